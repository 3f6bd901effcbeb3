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
        boolean ok = t.equals("*")
                || (t.startsWith("*@") && t.length() > 2 && t.indexOf('*', 1) < 0)
                || (!t.isEmpty() && !t.contains("*"));
        if (!ok) {
            problems.add(where + ": '" + text + "' is not an identity pattern (use an exact"
                    + " identity, *@domain or *)");
            return Optional.empty();
        }
        return Optional.of(new IdentityPattern(t));
    }

    /** Whether {@code identity} is named by this pattern. */
    public boolean matches(String identity) {
        String id = identity.toLowerCase(Locale.ROOT);
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
