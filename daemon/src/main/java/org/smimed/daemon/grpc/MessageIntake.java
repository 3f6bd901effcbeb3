package org.smimed.daemon.grpc;

import io.grpc.Context;
import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.time.Duration;
import org.smimed.daemon.policy.InFlightBytes;
import org.smimed.daemon.policy.LimitExceededException;

/**
 * Charges a unary call's largest possible request against the in-flight byte budgets before
 * gRPC reads it. gRPC reads a unary request whole, into transport memory, before the handler
 * runs, so a budget charged by the handler came too late: 96 concurrent 4 MB DecryptMessage
 * calls (three callers within their limits) exhausted the daemon's direct memory, and calls
 * failed INTERNAL or were dropped (found by a fuzz trial). The handler finds the reservation
 * in {@link #RESERVED} and keeps it until the call ends.
 *
 * <p>A call the budgets cannot take yet waits, its request unread: the handler's request for
 * the message is held back (HTTP/2 flow control then keeps the rest of it at the client, at
 * most one stream window in transport memory), and the reservation is tried again every
 * {@link #RETRY} until it fits — or, after {@link #MAX_WAIT}, the call ends RESOURCE_EXHAUSTED
 * with its request unread. Refused at once, 30 workers sending small messages got one
 * refusal in three, though their bytes were far below the budgets (found by a client trial).
 */
final class MessageIntake implements ServerInterceptor {
    /** The reservation of the current call, made before its request was read. */
    static final Context.Key<InFlightBytes.Reservation> RESERVED =
            Context.key("smimed-reserved-bytes");
    /** How often a waiting call tries its reservation again. */
    static final Duration RETRY = Duration.ofMillis(5);
    /** How long a call waits for room before it is refused. */
    static final Duration MAX_WAIT = Duration.ofSeconds(10);

    private final MethodDescriptor<?, ?> method;
    private final StreamGuards guards;
    private final long reserve;
    private final StatusMapper statuses;

    /** Reserves {@code reserve} bytes for each call of {@code method}; other methods pass. */
    MessageIntake(MethodDescriptor<?, ?> method, StreamGuards guards, long reserve,
                  StatusMapper statuses) {
        this.method = method;
        this.guards = guards;
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
        InFlightBytes.Reservation held = guards.bytes().open(Callers.current().name());
        Admission<Q, R> admission = new Admission<>(call, held);
        ServerCall<Q, R> gated = new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
            @Override
            public void request(int messages) {
                admission.request(messages);
            }
        };
        ServerCall.Listener<Q> listener = HeldUntilEnd.start(gated, headers, next,
                Context.current().withValue(RESERVED, held), () -> {
                    admission.end();
                    held.close();
                });
        admission.tryAdmit();
        return listener;
    }

    /**
     * One call's way in: the requests the handler made are passed on once its bytes are
     * reserved. ServerCall.request may be called from any thread; close is called here only
     * while no request has been passed on, so nothing else acts on the call then.
     */
    private final class Admission<Q, R> {
        private final ServerCall<Q, R> call;
        private final InFlightBytes.Reservation held;
        private final long since = System.nanoTime();
        private int requested;
        private boolean admitted;
        private boolean ended;

        Admission(ServerCall<Q, R> call, InFlightBytes.Reservation held) {
            this.call = call;
            this.held = held;
        }

        void request(int messages) {
            synchronized (this) {
                if (!admitted) {
                    requested += messages;
                    return;
                }
            }
            call.request(messages);
        }

        void tryAdmit() {
            int pass;
            synchronized (this) {
                if (ended || admitted) {
                    return;
                }
                try {
                    held.grow(reserve);
                } catch (LimitExceededException e) {
                    if (System.nanoTime() - since >= MAX_WAIT.toNanos()) {
                        ended = true;
                        call.close(statuses.toStatus(e).getStatus(), new Metadata());
                    } else {
                        guards.after(RETRY, this::tryAdmit);
                    }
                    return;
                }
                admitted = true;
                pass = requested;
                requested = 0;
            }
            if (pass > 0) {
                call.request(pass);
            }
        }

        synchronized void end() {
            ended = true;
        }
    }
}
