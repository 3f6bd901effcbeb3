package org.smimed.daemon.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.smimed.daemon.token.TokenMechanism;
import org.smimed.daemon.token.TokenMeter;

/**
 * Token metrics: {@code smimed_token_operation_seconds{mechanism,operation,outcome}} (a
 * latency histogram per PKCS#11 mechanism) and {@code smimed_token_sessions_in_use} (private-key
 * operations running now, each holding a session). Timers are created once per mechanism and
 * outcome, so the hot path only looks one up.
 */
final class TokenMetrics implements TokenMeter {
    private final MeterRegistry registry;
    private final AtomicInteger inUse = new AtomicInteger();
    private final Map<TokenMechanism, Timer> succeeded = new ConcurrentHashMap<>();
    private final Map<TokenMechanism, Timer> failed = new ConcurrentHashMap<>();

    TokenMetrics(MeterRegistry registry) {
        this.registry = registry;
        Gauge.builder("smimed.token.sessions.in.use", inUse, AtomicInteger::get)
                .description("Token sessions held by private-key operations right now")
                .register(registry);
    }

    @Override
    public <T, E extends Exception> T measure(TokenMechanism mechanism, Operation<T, E> operation)
            throws E {
        long start = System.nanoTime();
        inUse.incrementAndGet();
        boolean ok = false;
        try {
            T result = operation.run();
            ok = true;
            return result;
        } finally {
            inUse.decrementAndGet();
            timer(mechanism, ok).record(System.nanoTime() - start,
                    java.util.concurrent.TimeUnit.NANOSECONDS);
        }
    }

    private Timer timer(TokenMechanism mechanism, boolean ok) {
        return (ok ? succeeded : failed).computeIfAbsent(mechanism, m -> Buckets.latency(Timer
                .builder("smimed.token.operation")
                .description("Private-key operations in the token, by PKCS#11 mechanism")
                .tag("mechanism", m.mechanism())
                .tag("operation", m.operation())
                .tag("outcome", ok ? "ok" : "error"))
                .register(registry));
    }
}
