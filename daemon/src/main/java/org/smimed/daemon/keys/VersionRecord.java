package org.smimed.daemon.keys;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.Map;
import org.smimed.daemon.token.KeyAlgorithm;
import org.smimed.daemon.token.KeyUsage;

/**
 * The state of one key version as stored on the token, in the CKA_VALUE of a private CKO_DATA
 * object (application "smimed", CKA_LABEL = the version name). PKCS#11 data objects have no
 * CKA_ID, so the record names its key's CKA_ID ({@code keyId}, hex) itself.
 *
 * <p>Encoding: UTF-8 lines {@code key=value}, the first line {@code smimed-key-version 1}, so
 * a later format can be told apart and an officer can read it with pkcs11-tool. Holds no
 * secret.
 *
 * <p>{@code complete} is false only while a generate or a PKCS#12 migration is still writing
 * the version's key and certificates (line {@code complete=false}; absent means true, so older
 * records read as before): start-up removes a version whose generate or migration was cut
 * short, objects and record.
 *
 * <p>{@code destroyedKey} is, in a DESTROYED record, the SHA-256 (hex) of the public key the
 * version held (line {@code destroyedKey=}; empty, and absent, otherwise and in records
 * destroyed before it existed): the key is gone, and this is how an import of its backup
 * is recognised.
 */
public record VersionRecord(String keyId, String identity, int number, KeyState state,
                            KeyAlgorithm algorithm,
                            KeyUsage usage, Instant created, Instant updated, boolean complete,
                            String destroyedKey) {
    private static final String MAGIC = "smimed-key-version 1";

    /** A complete record. */
    public VersionRecord(String keyId, String identity, int number, KeyState state,
                         KeyAlgorithm algorithm, KeyUsage usage, Instant created,
                         Instant updated) {
        this(keyId, identity, number, state, algorithm, usage, created, updated, true, "");
    }

    /** A record with no destroyed key's hash. */
    public VersionRecord(String keyId, String identity, int number, KeyState state,
                         KeyAlgorithm algorithm, KeyUsage usage, Instant created,
                         Instant updated, boolean complete) {
        this(keyId, identity, number, state, algorithm, usage, created, updated, complete, "");
    }

    /** The version's name, also the CKA_LABEL of all its objects: {@code identity/vN}. */
    public String name() {
        return VersionName.of(identity, number);
    }

    /** The same version in {@code next} state, updated at {@code now}. */
    public VersionRecord with(KeyState next, Instant now) {
        return new VersionRecord(keyId, identity, number, next, algorithm, usage, created, now,
                complete, destroyedKey);
    }

    /** The same version DESTROYED at {@code now}, remembering its public key's SHA-256. */
    public VersionRecord destroyed(String publicKeySha256, Instant now) {
        return new VersionRecord(keyId, identity, number, KeyState.DESTROYED, algorithm, usage,
                created, now, complete, publicKeySha256);
    }

    /** The same record, marked complete or not. */
    public VersionRecord completed(boolean done) {
        return new VersionRecord(keyId, identity, number, state, algorithm, usage, created,
                updated, done, destroyedKey);
    }

    public byte[] encode() {
        String text = MAGIC + "\n"
                + "key=" + keyId + "\n"
                + "identity=" + identity + "\n"
                + "version=" + number + "\n"
                + "state=" + state + "\n"
                + "algorithm=" + algorithm + "\n"
                + "usage=" + usage + "\n"
                + "created=" + created + "\n"
                + "updated=" + updated + "\n"
                + (complete ? "" : "complete=false\n")
                + (destroyedKey.isEmpty() ? "" : "destroyedKey=" + destroyedKey + "\n");
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** Parses {@link #encode()}'s output; IllegalArgumentException names what is wrong. */
    public static VersionRecord decode(byte[] value) {
        if (value == null) {
            throw new IllegalArgumentException("empty state record");
        }
        String[] lines = new String(value, StandardCharsets.UTF_8).split("\n");
        if (!lines[0].equals(MAGIC)) {
            throw new IllegalArgumentException("unknown state record format '" + lines[0] + "'");
        }
        Map<String, String> fields = new HashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int eq = lines[i].indexOf('=');
            if (eq > 0) {
                fields.put(lines[i].substring(0, eq), lines[i].substring(eq + 1));
            }
        }
        try {
            return new VersionRecord(field(fields, "key"), field(fields, "identity"),
                    Integer.parseInt(field(fields, "version")),
                    KeyState.valueOf(field(fields, "state")),
                    KeyAlgorithm.valueOf(field(fields, "algorithm")),
                    KeyUsage.valueOf(field(fields, "usage")),
                    Instant.parse(field(fields, "created")),
                    Instant.parse(field(fields, "updated")),
                    !"false".equals(fields.get("complete")),
                    fields.getOrDefault("destroyedKey", ""));
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("bad time in state record", e);
        }
    }

    private static String field(Map<String, String> fields, String name) {
        String v = fields.get(name);
        if (v == null) {
            throw new IllegalArgumentException("state record lacks '" + name + "'");
        }
        return v;
    }
}
