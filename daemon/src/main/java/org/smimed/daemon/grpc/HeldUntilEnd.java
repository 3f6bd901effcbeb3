package org.smimed.daemon.grpc;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.Status;

/**
 * Starts a call that holds something (a concurrency permit, reserved bytes) until it ends,
 * however it ends: closed by the service, completed, cancelled by the client, or failed while
 * starting. {@code release} must be idempotent: several of these may run.
 */
final class HeldUntilEnd {
    private HeldUntilEnd() {
    }

    /** Starts {@code next} in {@code context}, running {@code release} when the call ends. */
    static <Q, R> ServerCall.Listener<Q> start(ServerCall<Q, R> call, Metadata headers,
                                               ServerCallHandler<Q, R> next, Context context,
                                               Runnable release) {
        ServerCall<Q, R> releasing = new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
            @Override
            public void close(Status status, Metadata trailers) {
                release.run();
                super.close(status, trailers);
            }
        };
        ServerCall.Listener<Q> listener;
        try {
            // The current context needs no attaching around each callback (the hot path).
            listener = context == Context.current() ? next.startCall(releasing, headers)
                    : Contexts.interceptCall(context, releasing, headers, next);
        } catch (RuntimeException e) {
            release.run();
            throw e;
        }
        return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(listener) {
            @Override
            public void onCancel() {
                release.run();
                super.onCancel();
            }

            @Override
            public void onComplete() {
                release.run();
                super.onComplete();
            }
        };
    }
}
