package org.smimed.daemon.audit;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;

/**
 * One line of the audit log and its canonical form (docs/audit.md):
 * a JSON object with the members seq, time, requestId, caller, event, method, identity,
 * keyVersion, inputSha256, outcome, status, detail (only when not empty), prev, hash — in this
 * order, no whitespace, strings
 * escaped as {@link #escaped} says and cut as {@link #bounded} says. {@code hash} is the SHA-256 of
 * the UTF-8 bytes of the same object without
 * the hash member; {@code prev} is the previous record's hash (64 zeros for the first).
 */
public record AuditRecord(long seq, Instant time, AuditEntry entry, String prev, String hash,
                          String line) {
    /** The prev value of the first record. */
    public static final String GENESIS = "0".repeat(64);
    /** Longer values are cut (see {@link #bounded}); a long distinguished name fits. */
    static final int MAX_VALUE_CHARS = 1024;
    private static final int KEPT_CHARS = 256;

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
        // Only when there is one: every other record keeps the form it always had.
        if (!e.detail().isEmpty()) {
            member(b, "detail", e.detail());
        }
        member(b, "prev", prev);
        return b.toString();
    }

    private static void member(StringBuilder b, String name, String value) {
        b.append(",\"").append(name).append("\":\"");
        String bounded = bounded(value);
        if (plain(bounded)) {
            b.append(bounded).append('"');
            return;
        }
        for (int i = 0; i < bounded.length(); i++) {
            char c = bounded.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                default -> {
                    if (escaped(c)) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        b.append('"');
    }

    /**
     * A value as recorded: whole up to {@link #MAX_VALUE_CHARS}, else its start and a summary.
     * Callers control several values (a refused certificate's subject, the identity they
     * name), and one 80 KB subject per refused handshake would fill the disk, and with it
     * stop every call (fail closed), at the price of a TLS handshake.
     */
    static String bounded(String value) {
        if (value.length() <= MAX_VALUE_CHARS) {
            return value;
        }
        return value.substring(0, KEPT_CHARS) + "... (" + value.length()
                + " characters, SHA-256 " + sha256(value) + ")";
    }

    /**
     * Whether {@code c} is written as a JSON unicode escape: control characters (C0, DEL, C1), the
     * characters other tools take as line ends (U+0085, U+2028, U+2029), every format
     * character (Unicode category Cf: the bidirectional controls that make a record display
     * other than it reads, and the invisible ones — a zero-width space made an identity look
     * like a served one to a security trial — U+200B-U+200F, U+2060, U+FEFF, ...), every
     * space but U+0020 (U+00A0, U+2000-U+200A, U+3000, ...), the other characters that show as
     * nothing (U+034F, U+115F, U+1160, U+17B4, U+17B5, U+180B-U+180F, U+3164, U+FE00-U+FE0F,
     * U+FFA0; found by a review), and surrogates — so a record is one line of printable text
     * to every reader, shows what it holds, and a line-based reader never splits one.
     */
    static boolean escaped(char c) {
        return c < 0x20 || (c >= 0x7f && c <= 0x9f) || Character.isSpaceChar(c) && c != ' '
                || Character.getType(c) == Character.FORMAT || Character.isSurrogate(c)
                || c == 0x034f || c == 0x115f || c == 0x1160 || c == 0x17b4 || c == 0x17b5
                || (c >= 0x180b && c <= 0x180f) || c == 0x3164 || (c >= 0xfe00 && c <= 0xfe0f)
                || c == 0xffa0;
    }

    /** Whether {@code value} needs no escaping: the usual case, appended in one step. */
    private static boolean plain(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (escaped(c) || c == '"' || c == '\\') {
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
