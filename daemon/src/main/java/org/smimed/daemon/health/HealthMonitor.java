package org.smimed.daemon.health;

import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.smimed.daemon.token.Pkcs11Token;
import org.smimed.daemon.token.TokenCondition;

/**
 * Keeps gRPC health ({@code grpc.health.v1}) in step with the token: every service, and the
 * whole server (""), is SERVING only while a probe finds the token logged in with its keys.
 *
 * <p>Guarantee: after {@link #shutdown()} every service reports NOT_SERVING for good, so load
 * balancers stop sending calls before the server stops accepting them.
 */
public final class HealthMonitor implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(HealthMonitor.class.getName());

    private final Pkcs11Token token;
    private final HealthStatusManager health;
    private final List<String> services;
    private final boolean expectKeys;
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(
            r -> {
                Thread t = new Thread(r, "smimed-health");
                t.setDaemon(true);
                return t;
            });
    private final AtomicReference<TokenCondition> last = new AtomicReference<>();

    public HealthMonitor(Pkcs11Token token, HealthStatusManager health, List<String> services,
                         boolean expectKeys) {
        this.token = token;
        this.health = health;
        this.services = List.copyOf(services);
        this.expectKeys = expectKeys;
    }

    /** Probes now, then every {@code interval}. */
    public void start(Duration interval) {
        check();
        scheduler.scheduleWithFixedDelay(this::check, interval.toMillis(), interval.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    /** The condition the last probe found. */
    public TokenCondition condition() {
        return last.get();
    }

    /** Probes the token and publishes the result; returns what it found. */
    public TokenCondition check() {
        TokenCondition condition = token.probe(expectKeys);
        TokenCondition before = last.getAndSet(condition);
        if (condition != before) {
            LOG.log(condition.usable() ? Level.INFO : Level.WARNING,
                    "token '" + token.label() + "' is " + condition
                            + (condition.usable() ? ": serving" : ": NOT_SERVING"));
            ServingStatus status = condition.usable() ? ServingStatus.SERVING
                    : ServingStatus.NOT_SERVING;
            health.setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, status);
            services.forEach(s -> health.setStatus(s, status));
        }
        return condition;
    }

    /** NOT_SERVING for good, and no more probes. */
    public void shutdown() {
        scheduler.shutdownNow();
        health.enterTerminalState();
    }

    @Override
    public void close() {
        shutdown();
    }
}
