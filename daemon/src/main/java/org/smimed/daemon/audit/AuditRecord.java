package org.smimed.daemon.audit;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;

/**
 * One line of the audit log and its canonical form (docs/audit.md):
 * a JSON object with the members seq, time, requestId, caller, event, method, identity,
 * keyVersion, inputSha256, outcome, status, prev, hash — in this order, no whitespace, strings
 * escaped minimally. {@code hash} is the SHA-256 of the UTF-8 bytes of the same object without
 * the hash member; {@code prev} is the previous record's hash (64 zeros for the first).
 */
public record AuditRecord(long seq, Instant time, AuditEntry entry, String prev, String hash,
                          String line) {
    /** The prev value of the first record. */
    public static final String GENESIS = "0".repeat(64);

    /**
     * Makes the record that follows {@code prev}: its hash and its line as written to the file
     * (without the newline), from one rendering of the body — this runs on every call.
     */
    public static AuditRecord next(long seq, Instant time, AuditEntry entry, String prev) {
        String body = body(seq, time, entry, prev);
        String hash = sha256(body + "}");
        return new AuditRecord(seq, time, entry, prev, hash,
                body + ",\"hash\":\"" + hash + "\"}");
    }

    private static String body(long seq, Instant time, AuditEntry e, String prev) {
        // Sized for a record with a long caller DN, so the builder does not grow on every call.
        StringBuilder b = new StringBuilder(1024).append("{\"seq\":").append(seq);
        member(b, "time", time.toString());
        member(b, "requestId", e.requestId());
        member(b, "caller", e.caller());
        member(b, "event", e.event().name());
        member(b, "method", e.method());
        member(b, "identity", e.identity());
        member(b, "keyVersion", e.keyVersion());
        member(b, "inputSha256", e.inputSha256());
        member(b, "outcome", e.outcome().name());
        member(b, "status", e.status());
        member(b, "prev", prev);
        return b.toString();
    }

    private static void member(StringBuilder b, String name, String value) {
        b.append(",\"").append(name).append("\":\"");
        if (plain(value)) {
            b.append(value).append('"');
            return;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        b.append('"');
    }

    /** Whether {@code value} needs no escaping: the usual case, appended in one step. */
    private static boolean plain(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x20 || c == '"' || c == '\\') {
                return false;
            }
        }
        return true;
    }

    static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
