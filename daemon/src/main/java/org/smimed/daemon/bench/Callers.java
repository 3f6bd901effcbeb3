package org.smimed.daemon.bench;

import java.util.Arrays;
import java.util.stream.Collectors;

/** How the closed loop's N callers are run; its label is what {@code --callers} takes. */
enum Callers {
    /**
     * N calls kept outstanding by completion callbacks ({@link AsyncLoadRun}), as an
     * asynchronous service or ghz runs them; for unary workloads (Sign, DecryptMessage).
     * Workloads without an asynchronous form (SignBatch, the streaming Decrypt) use threads.
     */
    ASYNC("async"),
    /** N threads, each blocked on its own call ({@link LoadRun}). */
    THREADS("threads");

    private final String label;

    Callers(String label) {
        this.label = label;
    }

    static Callers parse(String text) {
        for (Callers c : values()) {
            if (c.label.equals(text)) {
                return c;
            }
        }
        throw new IllegalArgumentException("unknown caller model '" + text + "' (valid: "
                + Arrays.stream(values()).map(Callers::toString).collect(Collectors.joining(", "))
                + ")");
    }

    @Override
    public String toString() {
        return label;
    }
}
