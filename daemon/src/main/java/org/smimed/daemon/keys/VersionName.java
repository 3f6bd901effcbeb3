package org.smimed.daemon.keys;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Key version names: {@code <identity>/v<N>}, e.g. {@code billing@example.com/v2}. */
public final class VersionName {
    private static final Pattern NAME = Pattern.compile("(.+)/v([1-9][0-9]{0,8})");
    private static final Pattern IDENTITY = Pattern.compile("[^\\s@/]+@[^\\s@/]+");

    private VersionName() {
    }

    public static String of(String identity, int number) {
        return identity + "/v" + number;
    }

    /**
     * The identity and number of {@code name}, if it is a version name. Surrounding blanks are
     * dropped, as identities are matched: "x@d/v1" pasted with its line end is still v1 (a
     * fuzz trial found it NOT_FOUND).
     */
    public static Optional<Parsed> parse(String name) {
        Matcher m = NAME.matcher(name.strip());
        if (!m.matches()) {
            return Optional.empty();
        }
        return Optional.of(new Parsed(m.group(1), Integer.parseInt(m.group(2))));
    }

    /** A parsed version name. */
    public record Parsed(String identity, int number) {}

    /** Whether {@code identity} looks like an e-mail address (one @, no blanks or slashes). */
    public static boolean isIdentity(String identity) {
        return IDENTITY.matcher(identity).matches();
    }

    /**
     * Why {@code identity} cannot name a new identity, if it cannot: it must be an address a
     * CA can certify and a mail system deliver to (RFC 5321 lengths, a dot-atom local part
     * without "/", which separates the version, and a host name). Keys for an address no
     * certificate can name would only fill the token.
     */
    public static Optional<String> whyNotAnAddress(String identity) {
        if (!isIdentity(identity)) {
            return Optional.of("not an e-mail address");
        }
        int at = identity.indexOf('@');
        String local = identity.substring(0, at);
        String domain = identity.substring(at + 1);
        if (identity.length() > MAX_ADDRESS) {
            return Optional.of("longer than " + MAX_ADDRESS + " characters (RFC 5321)");
        }
        if (local.length() > MAX_LOCAL_PART) {
            return Optional.of("the part before @ is longer than " + MAX_LOCAL_PART
                    + " characters (RFC 5321)");
        }
        if (!DOT_ATOM.matcher(local).matches()) {
            return Optional.of("'" + local + "' is not a plain local part (letters, digits,"
                    + " dots between them and !#$%&'*+=?^_`{|}~-; no quotes)");
        }
        if (local.contains("*")) {
            // Legal in an address, but the policy's wildcard: no policy entry could name this
            // identity without naming its whole domain (found by a fuzz trial).
            return Optional.of("'*' is the policy's wildcard, so a policy could not name this"
                    + " identity exactly");
        }
        if (!HOST.matcher(domain).matches()) {
            return Optional.of("'" + domain + "' is not a host name (labels of letters, digits"
                    + " and hyphens, 1 to 63 characters, separated by dots)");
        }
        if (domain.substring(domain.lastIndexOf('.') + 1).chars().allMatch(Character::isDigit)) {
            // x@127.0.0.1 was generated (an officer trial): an IP address, not a host name.
            return Optional.of("'" + domain + "' is not a host name: its last label is all"
                    + " digits (RFC 3696 section 2), as in an IP address");
        }
        return Optional.empty();
    }

    private static final int MAX_ADDRESS = 254;
    private static final int MAX_LOCAL_PART = 64;
    private static final Pattern DOT_ATOM = Pattern.compile(
            "[A-Za-z0-9!#$%&'*+=?^_`{|}~-]+(\\.[A-Za-z0-9!#$%&'*+=?^_`{|}~-]+)*");
    private static final Pattern HOST = Pattern.compile(
            "[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                    + "(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*");
}
