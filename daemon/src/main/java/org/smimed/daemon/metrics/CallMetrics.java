package org.smimed.daemon.metrics;

import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.health.v1.HealthGrpc;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Counts and times every call by service, method and status code
 * ({@code smimed_requests_seconds_count}, {@code _sum}, {@code _bucket} in Prometheus).
 */
final class CallMetrics implements ServerInterceptor {
    private final MeterRegistry registry;
    private final Map<String, Timer> timers = new ConcurrentHashMap<>();

    CallMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /**
     * The timer of one service, method and status, registered on first use and then looked up
     * in a map: building and registering a meter per call (tags, sorting, registry lock) cost
     * a visible share of a call's CPU.
     */
    private Timer timer(String service, String method, Status.Code code) {
        String name = service == null ? "unknown" : service;
        String bare = method == null ? "unknown" : method;
        return timers.computeIfAbsent(name + '/' + bare + '/' + code, key -> Buckets.latency(Timer
                .builder("smimed.requests")
                .description("gRPC calls handled, by service, method and status")
                .tag("service", name)
                .tag("method", bare)
                .tag("code", code.name())
                .tag("outcome", code == Status.Code.OK || endsWhenCancelled(name, bare, code)
                        ? "success" : "failure"))
                .register(registry));
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
                            timer(service, method, status.getCode()).record(
                                    System.nanoTime() - start, TimeUnit.NANOSECONDS);
                        }
                        super.close(status, trailers);
                    }
                }, headers);
        return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(listener) {
            @Override
            public void onCancel() {
                if (counted.compareAndSet(false, true)) {
                    timer(service, method, Status.Code.CANCELLED).record(
                            System.nanoTime() - start, TimeUnit.NANOSECONDS);
                }
                super.onCancel();
            }
        };
    }
}
