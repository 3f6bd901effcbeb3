package org.smimed.daemon.grpc;

import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Right below the audit record in the chain: an interceptor or service callback that throws —
 * an Error such as NoClassDefFoundError after the jar was replaced under a running daemon, or
 * an exception nothing caught (a certificate subject the JDK could not read back once did) —
 * ends its call INTERNAL "internal error, request id …", logged with its stack trace, and
 * recorded. grpc-java would answer UNKNOWN "Application error
 * processing RPC" without a request id (found by an interop trial on a unary Sign), and the
 * daemon promises it never answers UNKNOWN. The thread goes on serving.
 */
final class UnexpectedFailures implements ServerInterceptor {
    private final StatusMapper statuses;

    UnexpectedFailures(StatusMapper statuses) {
        this.statuses = statuses;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                       ServerCallHandler<Q, R> next) {
        Closing<Q, R> closing = new Closing<>(call);
        ServerCall.Listener<Q> service;
        try {
            service = next.startCall(closing, headers);
        } catch (RuntimeException | Error e) {
            closing.fail(e);
            return new ServerCall.Listener<>() { };
        }
        return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(service) {
            @Override
            public void onMessage(Q message) {
                guarded(() -> super.onMessage(message));
            }

            @Override
            public void onHalfClose() {
                guarded(super::onHalfClose);
            }

            @Override
            public void onCancel() {
                guarded(super::onCancel);
            }

            @Override
            public void onComplete() {
                guarded(super::onComplete);
            }

            @Override
            public void onReady() {
                guarded(super::onReady);
            }

            private void guarded(Runnable callback) {
                try {
                    callback.run();
                } catch (RuntimeException | Error e) {
                    closing.fail(e);
                }
            }
        };
    }

    /** The call, closed at most once: by the service, or here when the service threw. */
    private final class Closing<Q, R>
            extends ForwardingServerCall.SimpleForwardingServerCall<Q, R> {
        private final AtomicBoolean closed = new AtomicBoolean();

        Closing(ServerCall<Q, R> call) {
            super(call);
        }

        @Override
        public void close(Status status, Metadata trailers) {
            if (closed.compareAndSet(false, true)) {
                super.close(status, trailers);
            }
        }

        /** Ends the call INTERNAL (the mapper logs why), unless it has ended already. */
        void fail(Throwable e) {
            StatusRuntimeException status = statuses.toStatus(e);
            Metadata trailers = status.getTrailers();
            close(status.getStatus(), trailers != null ? trailers : new Metadata());
        }
    }
}
