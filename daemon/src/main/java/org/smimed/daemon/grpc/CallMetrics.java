package org.smimed.daemon.grpc;

import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.health.v1.HealthGrpc;
import java.util.concurrent.atomic.AtomicBoolean;
import org.smimed.daemon.metrics.CallTimers;

/**
 * Tells the metrics what each call was: service, method and status code, and whether that
 * is a success ({@code smimed_requests_seconds_*}, see {@link CallTimers}).
 */
public final class CallMetrics implements ServerInterceptor {
    private final CallTimers timers;

    public CallMetrics(CallTimers timers) {
        this.timers = timers;
    }

    private void record(String service, String method, Status.Code code, long start) {
        String name = service == null ? "unknown" : service;
        String bare = method == null ? "unknown" : method;
        timers.record(name, bare, code.name(), code == Status.Code.OK
                || endsWhenCancelled(name, bare, code), System.nanoTime() - start);
    }

    /**
     * A health Watch lasts as long as its client's connection and ends CANCELLED when the
     * client ends it: that is a success, or every balancing client would count as failing.
     */
    private static boolean endsWhenCancelled(String service, String method, Status.Code code) {
        return code == Status.Code.CANCELLED && HealthGrpc.SERVICE_NAME.equals(service)
                && "Watch".equals(method);
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                       ServerCallHandler<Q, R> next) {
        long start = System.nanoTime();
        MethodDescriptor<Q, R> descriptor = call.getMethodDescriptor();
        // A method no service registered (answered UNIMPLEMENTED by CallSecurity.unknownMethods,
        // whose descriptors alone have type UNKNOWN) is named by the caller, before any
        // authentication: counted under "unknown", or each made-up name would be a series.
        boolean registered = descriptor.getType() != MethodDescriptor.MethodType.UNKNOWN;
        String service = registered ? descriptor.getServiceName() : null;
        String method = registered ? descriptor.getBareMethodName() : null;
        // Once per call: a call the client cancels (or whose connection drops) never reaches
        // close(), and was missing from the series (found by a fuzz trial).
        AtomicBoolean counted = new AtomicBoolean();
        ServerCall.Listener<Q> listener = next.startCall(
                new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
                    @Override
                    public void close(Status status, Metadata trailers) {
                        if (counted.compareAndSet(false, true)) {
                            record(service, method, status.getCode(), start);
                        }
                        super.close(status, trailers);
                    }
                }, headers);
        return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(listener) {
            @Override
            public void onCancel() {
                if (counted.compareAndSet(false, true)) {
                    record(service, method, Status.Code.CANCELLED, start);
                }
                super.onCancel();
            }
        };
    }
}
