package org.smimed.daemon.grpc;

import io.grpc.Context;
import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.util.concurrent.ScheduledFuture;
import org.smimed.daemon.policy.InFlightBytes;
import org.smimed.daemon.policy.LimitExceededException;
import org.smimed.daemon.policy.StreamTimeoutException;

/**
 * Charges a unary call's largest possible request against the in-flight byte budgets before
 * gRPC reads it. gRPC reads a unary request whole, into transport memory, before the handler
 * runs, so a budget charged by the handler came too late: 96 concurrent 4 MB DecryptMessage
 * calls (three callers within their limits) exhausted the daemon's direct memory, and calls
 * failed INTERNAL or were dropped (found by a fuzz trial). The handler finds the reservation
 * in {@link #RESERVED} and keeps it until the call ends.
 *
 * <p>A call the budgets cannot take yet waits in line, its request unread: the handler's
 * request for the message is held back (HTTP/2 flow control keeps the rest at the client) and
 * passed on when {@link InFlightBytes#growWhenRoom} admits the call, woken by the bytes given
 * back, not by polling. Refused at once, 30 workers sending small messages got one refusal in
 * three though their bytes were far below the budgets (a client trial); a first version that
 * polled, waited without bound in number and held no line was reverted after a security
 * review. A call is refused RESOURCE_EXHAUSTED when the line is full, and after
 * limits.streamIdleSeconds in line; once admitted, its request must arrive within
 * limits.streamIdleSeconds too, or the call ends and gives its reservation back.
 */
final class MessageIntake implements ServerInterceptor {
    /** The reservation of the current call, made before its request was read. */
    static final Context.Key<InFlightBytes.Reservation> RESERVED =
            Context.key("smimed-reserved-bytes");

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
                Context.current().withValue(RESERVED, held), admission::end);
        if (!admission.queue()) {
            return new ServerCall.Listener<>() { };
        }
        return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(listener) {
            @Override
            public void onMessage(Q message) {
                if (admission.arrived()) {
                    super.onMessage(message);
                }
            }

            @Override
            public void onHalfClose() {
                if (admission.arrived()) {
                    super.onHalfClose();
                }
            }
        };
    }

    /**
     * One call's way in. The handler's requests are passed on once its bytes are reserved.
     * This class calls {@code close} only while nothing else acts on the call: before the call
     * is admitted (no request passed on, so the handler has no message), or after admission
     * while no message has arrived (the handler acts only on its message); a message arriving
     * after that is dropped. All its state is guarded by {@code this}.
     */
    private final class Admission<Q, R> {
        private final ServerCall<Q, R> call;
        private final InFlightBytes.Reservation held;
        /** The call's context (request id, caller, audit notes) for work on other threads. */
        private final Context context = Context.current();
        private InFlightBytes.Waiting waiting;
        private ScheduledFuture<?> timer;
        private int requested;
        private boolean admitted;
        private boolean arrived;
        private boolean ended;

        Admission(ServerCall<Q, R> call, InFlightBytes.Reservation held) {
            this.call = call;
            this.held = held;
        }

        /** Joins the line (perhaps admitted at once); false if refused, the call closed. */
        boolean queue() {
            InFlightBytes.Waiting w;
            try {
                w = guards.bytes().growWhenRoom(held, reserve, context.wrap(this::admit));
            } catch (LimitExceededException e) {
                refuse(e);
                return false;
            }
            synchronized (this) {
                waiting = w;
                if (!admitted && !ended) {
                    timer = guards.after(guards.idle(), context.wrap(this::waitedTooLong));
                }
            }
            return true;
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

        /** Whether the handler may have this message (false once the call was ended here). */
        synchronized boolean arrived() {
            if (ended) {
                return false;
            }
            arrived = true;
            if (timer != null) {
                timer.cancel(false);
            }
            return true;
        }

        /** The call's bytes are reserved: pass on what the handler asked for. */
        private void admit() {
            int pass;
            synchronized (this) {
                if (ended) {
                    return; // end() closes the reservation
                }
                admitted = true;
                if (timer != null) {
                    timer.cancel(false);
                }
                timer = guards.after(guards.idle(), context.wrap(this::neverArrived));
                pass = requested;
                requested = 0;
            }
            if (pass > 0) {
                call.request(pass);
            }
        }

        private void waitedTooLong() {
            synchronized (this) {
                if (admitted || ended || waiting == null || !waiting.withdraw()) {
                    return;
                }
            }
            refuse(new LimitExceededException("no room for this DecryptMessage in the in-flight"
                    + " byte budgets (limits.maxInFlightBytesPerCaller, limits.maxInFlightBytes)"
                    + " for " + guards.idle().toSeconds() + " s (limits.streamIdleSeconds): it"
                    + " is charged the largest message it may carry, " + reserve + " bytes,"
                    + " before it is read; retry later, or stream it with Decrypt, charged as"
                    + " its bytes arrive"));
        }

        private void neverArrived() {
            synchronized (this) {
                if (arrived || ended) {
                    return;
                }
                ended = true;
            }
            held.close();
            call.close(statuses.toStatus(new StreamTimeoutException("no request for "
                    + guards.idle().toSeconds() + " s (limits.streamIdleSeconds)"))
                    .getStatus(), new Metadata());
        }

        private void refuse(LimitExceededException e) {
            synchronized (this) {
                ended = true;
            }
            held.close();
            // The message says why a small message is refused too, and what fits instead (a
            // client trial's 483-byte messages read "too many bytes in flight" as false).
            LimitExceededException why = e.getMessage().contains("DecryptMessage") ? e
                    : new LimitExceededException(e.getMessage() + " (a DecryptMessage is"
                    + " charged the largest message it may carry, " + reserve + " bytes,"
                    + " before it is read; Decrypt is charged as its bytes arrive)");
            call.close(statuses.toStatus(why).getStatus(), new Metadata());
        }

        /** The call ended, however: leave the line, stop the timer, give the bytes back. */
        void end() {

            InFlightBytes.Waiting line;
            synchronized (this) {
                ended = true;
                if (timer != null) {
                    timer.cancel(false);
                }
                line = waiting;
            }
            if (line != null) {
                line.withdraw();
            }
            // Closed after leaving the line: a reservation closed while still in line is
            // dropped from it, never grown.
            held.close();
        }
    }
}
