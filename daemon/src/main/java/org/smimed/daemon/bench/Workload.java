package org.smimed.daemon.bench;

/** What the benchmark exercises. Each has a daemon call and the token operation underneath. */
enum Workload {
    /** Sign, client-computed SHA-256 digest (what services should do). */
    SIGN_DIGEST("sign-digest", Kind.SIGN, 0),
    /** SignBatch of 64 client-computed digests in one call. */
    SIGN_BATCH_64("sign-batch-64", Kind.SIGN, 0),
    /** Sign, 4 KiB content sent to the daemon. */
    SIGN_CONTENT_4K("sign-content-4k", Kind.SIGN, 4 * 1024),
    /** Sign, 1 MiB content sent to the daemon. */
    SIGN_CONTENT_1M("sign-content-1m", Kind.SIGN, 1024 * 1024),
    /**
     * Decrypt a 4 KiB AES-256-GCM AuthEnvelopedData with RSA key transport, in one message
     * each way (DecryptMessage: what a client does with a small message).
     */
    DECRYPT_4K("decrypt-4k", Kind.DECRYPT, 4 * 1024),
    /** The same message through the streaming Decrypt (one request, then half-close). */
    DECRYPT_4K_STREAM("decrypt-4k-stream", Kind.DECRYPT, 4 * 1024),
    /** Decrypt a large AES-256-GCM message (size set by --large-bytes). */
    DECRYPT_LARGE("decrypt-large", Kind.DECRYPT, -1);

    /** Which private-key operation the token performs. */
    enum Kind { SIGN, DECRYPT }

    private final String name;
    private final Kind kind;
    private final int bytes;

    Workload(String name, Kind kind, int bytes) {
        this.name = name;
        this.kind = kind;
        this.bytes = bytes;
    }

    String cliName() {
        return name;
    }

    Kind kind() {
        return kind;
    }

    /** Token operations one call performs: 64 for the batch, else 1. */
    int operationsPerCall() {
        return this == SIGN_BATCH_64 ? 64 : 1;
    }

    /** Payload size in bytes; -1 means the configured large size. */
    int bytes(int largeBytes) {
        return bytes < 0 ? largeBytes : bytes;
    }

    /** Every workload's name, comma-separated, in declaration order. */
    static String names() {
        return java.util.Arrays.stream(values()).map(Workload::cliName)
                .collect(java.util.stream.Collectors.joining(", "));
    }

    static Workload parse(String text) {
        for (Workload w : values()) {
            if (w.name.equals(text)) {
                return w;
            }
        }
        throw new IllegalArgumentException("unknown workload '" + text + "'");
    }

    @Override
    public String toString() {
        return name;
    }
}
