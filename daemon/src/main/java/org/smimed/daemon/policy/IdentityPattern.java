package org.smimed.daemon.policy;

import java.util.Locale;
import java.util.Optional;

/**
 * Names identities in the policy: an exact identity ({@code billing@example.com}), every
 * identity of one domain ({@code *@billing.example}), or every identity ({@code *}).
 * Matching ignores case, as identities are e-mail addresses.
 */
public record IdentityPattern(String text) {

    /** Parses {@code text}, or explains why it is not a pattern. */
    public static Optional<IdentityPattern> parse(String text, java.util.List<String> problems,
                                                  String where) {
        String t = text.strip().toLowerCase(Locale.ROOT);
        // Identities are e-mail addresses: "billing" alone would be a rule that never matches
        // (found by an outside trial), so an exact identity needs its '@' and domain.
        int at = t.indexOf('@');
        boolean ok = t.equals("*")
                || (t.startsWith("*@") && t.length() > 2 && t.indexOf('*', 1) < 0)
                || (!t.contains("*") && at > 0 && at < t.length() - 1);
        if (!ok) {
            problems.add(where + ": '" + text + "' is not an identity pattern (use an exact"
                    + " identity such as billing@example.com, *@domain or *)");
            return Optional.empty();
        }
        return Optional.of(new IdentityPattern(t));
    }

    /**
     * Whether {@code identity} is named by this pattern, compared in the form keys are looked up
     * and audited in (trimmed of whitespace and control characters, lower case): compared as
     * sent, {@code "x@d "} was refused for a caller allowed x@d, and the refusal was audited
     * under x@d (found by a fuzz trial).
     */
    public boolean matches(String identity) {
        String id = identity.trim().toLowerCase(Locale.ROOT);
        if (text.equals("*")) {
            return true;
        }
        if (text.startsWith("*@")) {
            int at = id.lastIndexOf('@');
            return at > 0 && id.substring(at).equals(text.substring(1));
        }
        return text.equals(id);
    }
}
