package org.smimed.daemon.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Counts and times every call by service, method and status code
 * ({@code smimed_requests_seconds_count}, {@code _sum}, {@code _bucket} in Prometheus); the
 * transport says what each call was ({@code grpc.CallMetrics}).
 */
public final class CallTimers {
    private final MeterRegistry registry;
    private final Map<String, Timer> timers = new ConcurrentHashMap<>();

    CallTimers(MeterRegistry registry) {
        this.registry = registry;
    }

    /**
     * Records one call's time. Its timer is registered on first use and then looked up in a
     * map: building and registering a meter per call (tags, sorting, registry lock) cost a
     * visible share of a call's CPU.
     *
     * @param success whether the call did what it was for (an OK, or the end a call of its
     *                kind always has), the {@code outcome} tag
     */
    public void record(String service, String method, String code, boolean success,
                       long nanos) {
        timers.computeIfAbsent(service + '/' + method + '/' + code, key -> Buckets.latency(
                Timer.builder("smimed.requests")
                        .description("gRPC calls handled, by service, method and status")
                        .tag("service", service)
                        .tag("method", method)
                        .tag("code", code)
                        .tag("outcome", success ? "success" : "failure"))
                .register(registry)).record(nanos, TimeUnit.NANOSECONDS);
    }
}
