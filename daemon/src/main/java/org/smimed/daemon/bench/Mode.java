package org.smimed.daemon.bench;

/** What a measurement measured, and how; its label is the CSV's {@code mode} column. */
enum Mode {
    /** The raw token in-process, closed loop. */
    BASELINE("baseline"),
    /** The daemon over gRPC, closed loop. */
    DAEMON("daemon"),
    /** The raw token at a fixed rate (open loop): its own tail, to read the daemon's against. */
    BASELINE_RATE("baseline-rate"),
    /** The daemon at a fixed rate (open loop, {@link OpenLoopRun}). */
    DAEMON_RATE("daemon-rate"),
    /** Unmeasured warm-up, never reported. */
    PREWARM("prewarm");

    private final String label;

    Mode(String label) {
        this.label = label;
    }

    /** Whether the raw token was measured rather than the daemon. */
    boolean token() {
        return this == BASELINE || this == BASELINE_RATE;
    }

    @Override
    public String toString() {
        return label;
    }
}
