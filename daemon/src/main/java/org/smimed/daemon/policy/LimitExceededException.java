package org.smimed.daemon.policy;

/**
 * A call refused because a limit is reached: retry later. {@link #limit()} says which, so a
 * client can tell a limit it may wait out from a failure (a client trial could only match the
 * text).
 */
public final class LimitExceededException extends Exception {
    /** Which limit; OTHER where the message alone says it. */
    public enum Limit { CONCURRENT_CALLS, DECRYPT_BUDGET, STREAMS, IN_FLIGHT_BYTES, OTHER }

    private final Limit limit;

    public LimitExceededException(String message) {
        this(Limit.OTHER, message);
    }

    public LimitExceededException(Limit limit, String message) {
        super(message);
        this.limit = limit;
    }

    public Limit limit() {
        return limit;
    }
}
