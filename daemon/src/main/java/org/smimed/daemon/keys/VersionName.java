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

    /** The identity and number of {@code name}, if it is a version name. */
    public static Optional<Parsed> parse(String name) {
        Matcher m = NAME.matcher(name);
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
}
