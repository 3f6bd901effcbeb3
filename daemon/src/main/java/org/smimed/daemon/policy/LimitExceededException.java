package org.smimed.daemon.policy;

import java.time.Duration;
import java.util.Optional;

/**
 * A call refused because a limit is reached: retry later. {@link #limit()} says which, so a
 * client can tell a limit it may wait out from a failure (a client trial could only match the
 * text).
 */
public final class LimitExceededException extends Exception {
    /** Which limit; OTHER where the message alone says it. */
    public enum Limit { CONCURRENT_CALLS, DECRYPT_BUDGET, STREAMS, IN_FLIGHT_BYTES, OTHER }

    private final Limit limit;
    private final Duration retryAfter;

    public LimitExceededException(String message) {
        this(Limit.OTHER, message);
    }

    public LimitExceededException(Limit limit, String message) {
        this(limit, message, null);
    }

    /** A refusal that knows when the limit frees: {@code retryAfter} from now. */
    public LimitExceededException(Limit limit, String message, Duration retryAfter) {
        super(message);
        this.limit = limit;
        this.retryAfter = retryAfter;
    }

    public Limit limit() {
        return limit;
    }

    /**
     * How long until the limit frees, where that is known (a rate over a window); empty where
     * it depends on other calls ending (concurrency, streams, bytes in flight).
     */
    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }
}
