package org.smimed.daemon.grpc;

import io.grpc.Context;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.StatusRuntimeException;
import java.util.concurrent.ScheduledFuture;
import org.smimed.api.v1.ErrorReason;
import org.smimed.daemon.policy.InFlightBytes;
import org.smimed.daemon.policy.LimitExceededException;
import org.smimed.daemon.policy.StreamTimeoutException;

/**
 * Charges a unary call's largest possible request against the in-flight byte budgets before
 * gRPC reads it. gRPC reads a unary request whole, into transport memory, before the handler
 * runs, so a budget charged by the handler came too late: 96 concurrent 4 MB DecryptMessage
 * calls (three callers within their limits) exhausted the daemon's direct memory, and calls
 * failed INTERNAL or were dropped (found by a fuzz trial). Refused here, a call ends
 * RESOURCE_EXHAUSTED with its request unread: HTTP/2 flow control then holds the rest of it
 * at the client. The handler finds the reservation in {@link #RESERVED} and keeps it until
 * the call ends.
 *
 * <p>The whole request, up to its end of stream, must arrive within limits.streamIdleSeconds
 * of the reservation, or the call ends DEADLINE_EXCEEDED and gives its bytes back: a call
 * that sent its headers (or its message) and then nothing held its reservation until the
 * client gave up, so a few such calls kept every other caller's DecryptMessage out (found by
 * security reviews).
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
        try {
            held.grow(reserve);
        } catch (LimitExceededException e) {
            held.close();
            // Refused at once, not queued: two queues were tried and reverted after security
            // reviews (waiting calls held uncounted transport memory, took freed room ahead of
            // streams in progress, and outwaited the client's own deadline). The message
            // says why small messages are refused too, and what fits instead (a client
            // trial's 30 workers with 483-byte messages saw this as a false claim).
            LimitExceededException why = new LimitExceededException(e.getMessage()
                    + " (a DecryptMessage is charged the largest message it may carry, "
                    + reserve + " bytes, before it is read; Decrypt is charged as its bytes"
                    + " arrive)");
            // Typed too: the client stub streams the message instead on this reason alone.
            StatusRuntimeException refused = StatusMapper.withReason(
                    statuses.toStatus(why).getStatus(), ErrorReason.IN_FLIGHT_BYTES_EXHAUSTED);
            call.close(refused.getStatus(), refused.getTrailers());
            return new ServerCall.Listener<>() { };
        }
        ReadDeadline deadline = new ReadDeadline(call, held);
        ServerCall.Listener<Q> listener = HeldUntilEnd.start(call, headers, next,
                Context.current().withValue(RESERVED, held), deadline::end);
        deadline.start();
        return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(listener) {
            @Override
            public void onMessage(Q message) {
                if (deadline.open()) {
                    super.onMessage(message);
                }
            }

            @Override
            public void onHalfClose() {
                if (deadline.complete()) {
                    super.onHalfClose();
                }
            }
        };
    }

    /**
     * The time a call's request has to arrive whole. This class closes the call only while
     * the handler has not run (it runs on the half-close, which is then dropped), so nothing
     * else acts on the call then. All its state is guarded by {@code this}.
     */
    private final class ReadDeadline {
        private final ServerCall<?, ?> call;
        private final InFlightBytes.Reservation held;
        /** The call's context (request id, caller, audit notes) for the timer thread. */
        private final Context context = Context.current();
        private ScheduledFuture<?> timer;
        private boolean complete;
        private boolean ended;

        ReadDeadline(ServerCall<?, ?> call, InFlightBytes.Reservation held) {
            this.call = call;
            this.held = held;
        }

        synchronized void start() {
            if (!complete && !ended) {
                timer = guards.after(guards.idle(), context.wrap(this::expired));
            }
        }

        /** Whether a message may still go to the handler (false once the call was ended). */
        synchronized boolean open() {
            return !ended;
        }

        /** The request is whole: the handler runs, and the deadline no longer applies. */
        synchronized boolean complete() {
            if (ended) {
                return false;
            }
            complete = true;
            if (timer != null) {
                timer.cancel(false);
            }
            return true;
        }

        private void expired() {
            synchronized (this) {
                if (complete || ended) {
                    return;
                }
                ended = true;
            }
            held.close();
            call.close(statuses.toStatus(new StreamTimeoutException("the request did not"
                    + " arrive whole within " + guards.idle().toSeconds()
                    + " s (limits.streamIdleSeconds)")).getStatus(), new Metadata());
        }

        /** The call ended, however: stop the timer, give the bytes back. */
        void end() {
            synchronized (this) {
                ended = true;
                if (timer != null) {
                    timer.cancel(false);
                }
            }
            held.close();
        }
    }
}
