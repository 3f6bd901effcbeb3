package org.smimed.daemon.grpc;

import java.time.Duration;

/**
 * The request limits that are the same for every caller, from the configuration: what
 * GetLimits reports beside the caller's policy entry, and what DecryptMessage is charged (one
 * formula, so what a client is told is what it is charged).
 *
 * @param maxMessageBytes        limits.maxMessageBytes
 * @param unary                  the most one unary request carries ({@link UnaryLimit})
 * @param decryptMessageCharge   what each DecryptMessage is charged before it is read
 * @param inFlightBytesPerCaller limits.maxInFlightBytesPerCaller, or limits.maxInFlightBytes if
 *                               lower: the most one caller's calls can hold together
 * @param streamIdle             limits.streamIdleSeconds
 * @param streamDuration         limits.maxDecryptSeconds
 */
record ServedLimits(int maxMessageBytes, UnaryLimit unary, long decryptMessageCharge,
                    long inFlightBytesPerCaller, Duration streamIdle, Duration streamDuration) {

    static ServedLimits of(int maxMessageBytes, StreamGuards guards) {
        UnaryLimit unary = UnaryLimit.of(maxMessageBytes);
        // Charged what gRPC may read before the handler sees the message: with a small
        // maxMessageBytes that is the inbound floor, not the limit (a security review); never
        // more than one call can hold, or no DecryptMessage would ever fit.
        long charge = Math.min(Math.max(unary.bytes(), GrpcServer.leastInboundBytes()),
                guards.bytes().largestReservation());
        return new ServedLimits(maxMessageBytes, unary, charge,
                guards.bytes().largestReservation(),
                guards.idle(), guards.total());
    }
}
