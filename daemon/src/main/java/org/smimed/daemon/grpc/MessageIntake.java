package org.smimed.daemon.grpc;

import io.grpc.Context;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import org.smimed.daemon.policy.InFlightBytes;
import org.smimed.daemon.policy.LimitExceededException;

/**
 * Charges a unary call's largest possible request against the in-flight byte budgets before
 * gRPC reads it. gRPC reads a unary request whole, into transport memory, before the handler
 * runs, so a budget charged by the handler came too late: 96 concurrent 4 MB DecryptMessage
 * calls (three callers within their limits) exhausted the daemon's direct memory, and calls
 * failed INTERNAL or were dropped (found by a fuzz trial). Refused here, a call ends
 * RESOURCE_EXHAUSTED with its request unread: HTTP/2 flow control then holds the rest of it
 * at the client. The handler finds the reservation in {@link #RESERVED} and keeps it until
 * the call ends.
 */
final class MessageIntake implements ServerInterceptor {
    /** The reservation of the current call, made before its request was read. */
    static final Context.Key<InFlightBytes.Reservation> RESERVED =
            Context.key("smimed-reserved-bytes");

    private final MethodDescriptor<?, ?> method;
    private final InFlightBytes bytes;
    private final long reserve;
    private final StatusMapper statuses;

    /** Reserves {@code reserve} bytes for each call of {@code method}; other methods pass. */
    MessageIntake(MethodDescriptor<?, ?> method, InFlightBytes bytes, long reserve,
                  StatusMapper statuses) {
        this.method = method;
        this.bytes = bytes;
        this.reserve = reserve;
        this.statuses = statuses;
    }

    /** What each call reserves. */
    long reserve() {
        return reserve;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                       ServerCallHandler<Q, R> next) {
        if (!call.getMethodDescriptor().getFullMethodName().equals(method.getFullMethodName())) {
            return next.startCall(call, headers);
        }
        InFlightBytes.Reservation held = bytes.open(Callers.current().name());
        try {
            held.grow(reserve);
        } catch (LimitExceededException e) {
            held.close();
            // Refused at once, not queued: a waiting call holds transport memory and its
            // caller's concurrency permit (a security review of a queue found both). The
            // message says why small messages are refused too, and what fits instead (a
            // client trial's 30 workers with 483-byte messages saw this as a false claim).
            LimitExceededException why = new LimitExceededException(e.getMessage()
                    + " (a DecryptMessage is charged the largest message it may carry, "
                    + reserve + " bytes, before it is read; Decrypt is charged as its bytes"
                    + " arrive)");
            call.close(statuses.toStatus(why).getStatus(), new Metadata());
            return new ServerCall.Listener<>() { };
        }
        return HeldUntilEnd.start(call, headers, next,
                Context.current().withValue(RESERVED, held), held::close);
    }
}
