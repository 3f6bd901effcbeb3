package org.smimed.daemon.policy;

/**
 * A streamed request stalled (no data within limits.streamIdleSeconds) or took longer than its
 * limit to arrive; the message names the limit.
 */
public final class StreamTimeoutException extends Exception {
    public StreamTimeoutException(String message) {
        super(message);
    }
}
