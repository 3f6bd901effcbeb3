package org.smimed.daemon.grpc;

import org.smimed.daemon.cms.InvalidRequestException;

/**
 * The largest request the daemon takes in one gRPC message: 4 MiB (gRPC's own default), or
 * limits.maxMessageBytes if that is lower.
 *
 * <p>Why not maxMessageBytes itself: gRPC reads a unary request whole before any handler sees
 * it, so the transport's message limit, not the content limit, bounds what a call can take from
 * the heap before a budget is checked. Larger content goes through the streaming calls (Decrypt,
 * SignStream), which take it in chunks under the in-flight budgets.
 *
 * @param bytes the limit in bytes
 */
record UnaryLimit(int bytes) {
    /** gRPC's default maximum inbound message, kept on purpose. */
    static final int CAP = 4 * 1024 * 1024;

    static UnaryLimit of(int maxMessageBytes) {
        return new UnaryLimit(Math.min(CAP, maxMessageBytes));
    }

    /**
     * Refuses {@code size} bytes of {@code what} in one {@code call} if over the limit, saying
     * what to do {@code instead}.
     */
    void check(String what, int size, String call, String instead)
            throws InvalidRequestException {
        if (size > bytes) {
            throw new InvalidRequestException(what + " is " + size + " bytes, more than the limit"
                    + " of " + bytes + " bytes for " + call + " (4 MiB, or limits.maxMessageBytes"
                    + " if lower); " + instead);
        }
    }
}
