package org.smimed.daemon.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads the daemon's audit log in tests: each canonical line as member → value. */
public final class AuditRecords {
    private static final Pattern MEMBER = Pattern.compile(
            "\"(\\w+)\":(\"((?:[^\"\\\\]|\\\\.)*)\"|(\\d+))");

    private AuditRecords() {
    }

    /** Every record of {@code audit}, oldest first. */
    public static List<Map<String, String>> read(Path audit) throws Exception {
        return Files.readAllLines(audit).stream().map(AuditRecords::members).toList();
    }

    /** The members of one canonical audit line (flat JSON, string or number values). */
    private static Map<String, String> members(String line) {
        Map<String, String> out = new LinkedHashMap<>();
        Matcher m = MEMBER.matcher(line);
        while (m.find()) {
            out.put(m.group(1), m.group(3) != null ? m.group(3) : m.group(4));
        }
        return out;
    }
}
