package org.smimed.daemon.metrics;

import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;

/**
 * Counts and times every call by service, method and status code
 * ({@code smimed_requests_seconds_count}, {@code _sum}, {@code _bucket} in Prometheus).
 */
final class CallMetrics implements ServerInterceptor {
    private final MeterRegistry registry;

    CallMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                       ServerCallHandler<Q, R> next) {
        long start = System.nanoTime();
        String service = call.getMethodDescriptor().getServiceName();
        String method = call.getMethodDescriptor().getBareMethodName();
        return next.startCall(new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
            @Override
            public void close(Status status, Metadata trailers) {
                Timer.builder("smimed.requests")
                        .description("gRPC calls handled, by service, method and status")
                        .tag("service", service == null ? "unknown" : service)
                        .tag("method", method == null ? "unknown" : method)
                        .tag("code", status.getCode().name())
                        .tag("outcome", status.isOk() ? "success" : "failure")
                        .publishPercentileHistogram()
                        .register(registry)
                        .record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
                super.close(status, trailers);
            }
        }, headers);
    }
}
