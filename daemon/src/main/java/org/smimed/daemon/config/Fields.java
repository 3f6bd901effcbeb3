package org.smimed.daemon.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads typed values out of the configuration's YAML tree for the section readers. A bad
 * value is never thrown: it is added to the shared problem list (named by its path, e.g.
 * {@code listen.port}) and the fallback is used, so that one run reports every problem.
 */
final class Fields {
    private final Path base;
    private final List<String> problems;

    Fields(Path base, List<String> problems) {
        this.base = base;
        this.problems = problems;
    }

    JsonNode section(JsonNode root, String name) {
        return section(root, name, name);
    }

    /** The mapping {@code field} of {@code parent}, named {@code path} in a problem. */
    JsonNode section(JsonNode parent, String field, String path) {
        JsonNode node = parent.path(field);
        if (!node.isMissingNode() && !node.isNull() && !node.isObject()) {
            problems.add(path + ": expected a mapping");
        }
        return node;
    }

    /**
     * A YAML boolean. Jackson's {@code asBoolean} would read 1 as true and any other word,
     * a typo such as {@code flase} included, as the fallback: neither passes here.
     */
    boolean bool(JsonNode node, String path, String field, boolean fallback) {
        JsonNode value = node.path(field);
        if (value.isMissingNode() || value.isNull()) {
            return fallback;
        }
        if (!value.isBoolean()) {
            problems.add(path + ": expected true or false, got " + value);
            return fallback;
        }
        return value.booleanValue();
    }

    void allowOnly(JsonNode node, String prefix, Set<String> known) {
        if (!node.isObject()) {
            return;
        }
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!known.contains(name)) {
                problems.add(prefix + name + ": unknown key (known: "
                        + String.join(", ", known.stream().sorted().toList()) + ")");
            }
        }
    }

    String text(JsonNode node, String path, String field, String fallback) {
        JsonNode value = node.path(field);
        if (value.isMissingNode() || value.isNull()) {
            return fallback;
        }
        if (!value.isTextual() || value.asText().isBlank()) {
            problems.add(path + ": expected a non-empty string");
            return fallback;
        }
        return value.asText();
    }

    String required(JsonNode node, String path, String field) {
        if (!node.hasNonNull(field)) {
            problems.add(path + ": required");
            return null;
        }
        return text(node, path, field, null);
    }

    /**
     * A listen address: an IP address, or a name with the syntax of a host name. Checked for
     * form only (999.1.1.1 passed check-config and failed serve, an outside trial): whether a
     * name resolves is for serve to find (exit 7, which a supervisor retries), since DNS may
     * not answer yet when a host boots (found in review).
     */
    String address(JsonNode node, String path, String field, String fallback) {
        String value = text(node, path, field, fallback);
        if (value == null) {
            return null;
        }
        boolean dottedQuad = DOTTED_QUAD.matcher(value).matches();
        boolean ok = dottedQuad ? Arrays.stream(value.split("\\."))
                .allMatch(octet -> octet.length() <= 3 && Integer.parseInt(octet) <= 255)
                : value.contains(":") ? ipv6(value) : HOST_NAME.matcher(value).matches();
        if (!ok) {
            problems.add(path + ": '" + value + "' is neither an IP address nor a host name");
            return fallback;
        }
        return value;
    }

    private static boolean ipv6(String value) {
        String literal = value.startsWith("[") && value.endsWith("]")
                ? value.substring(1, value.length() - 1) : value;
        try {
            // A literal with a colon is parsed, never looked up.
            return java.net.InetAddress.getByName(literal) instanceof java.net.Inet6Address;
        } catch (java.net.UnknownHostException e) {
            return false;
        }
    }

    private static final Pattern DOTTED_QUAD = Pattern.compile("[0-9]+(\\.[0-9]+){3}");
    private static final Pattern HOST_NAME = Pattern.compile(
            "[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}"
                    + "[A-Za-z0-9])?)*\\.?");

    int integer(JsonNode node, String path, String field, int fallback, int min,
                        int max) {
        JsonNode value = node.path(field);
        if (value.isMissingNode() || value.isNull()) {
            return fallback;
        }
        if (!value.canConvertToInt() || !value.isIntegralNumber()
                || value.asInt() < min || value.asInt() > max) {
            problems.add(path + ": expected an integer from " + min + " to " + max
                    + ", got " + value);
            return fallback;
        }
        return value.asInt();
    }

    /** What a file must hold beyond being readable: PEM certificates, a PEM private key. */
    interface FileCheck {
        void check(String path, Path file) throws ConfigFileException;
    }

    /**
     * As {@link #existingFile}, and a file that is there must pass {@code check}, so that
     * {@code check-config} finds what serve would refuse.
     */
    Path checkedFile(JsonNode node, String path, String field, FileCheck check) {
        Path file = existingFile(node, path, field);
        if (file != null && Files.isRegularFile(file) && Files.isReadable(file)) {
            try {
                check.check(path, file);
            } catch (ConfigFileException e) {
                problems.add(e.getMessage());
            }
        }
        return file;
    }

    Path existingFile(JsonNode node, String path, String field) {
        String text = required(node, path, field);
        if (text == null) {
            return null;
        }
        Path file = base.resolve(text).normalize();
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            problems.add(path + ": no readable file at " + file + whyUnreadable(file));
        }
        return file;
    }

    /**
     * Why a file that is there cannot be read, for the operator who sees it listed: often
     * it was made as root for a daemon that runs as its own user (an operator trial).
     */
    private static String whyUnreadable(Path file) {
        if (!Files.isRegularFile(file)) {
            Path parent = file.getParent();
            if (!Files.exists(file) && parent != null && Files.isDirectory(parent)
                    && !Files.isExecutable(parent)) {
                return " (its directory " + parent + " may not be searched by this process, "
                        + System.getProperty("user.name") + ")";
            }
            return Files.exists(file) ? " (not a regular file)" : "";
        }
        try {
            return " (it is there, owned by " + Files.getOwner(file).getName() + ", mode "
                    + java.nio.file.attribute.PosixFilePermissions.toString(
                            Files.getPosixFilePermissions(file)) + "; this process runs as "
                    + System.getProperty("user.name") + ")";
        } catch (IOException | UnsupportedOperationException e) {
            return " (it is there, but this process may not read it)";
        }
    }
}
