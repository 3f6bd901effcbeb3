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
import java.util.function.Supplier;
import org.smimed.daemon.threads.DaemonThreads;
import org.smimed.daemon.token.TokenCondition;

/**
 * Keeps gRPC health ({@code grpc.health.v1}) in step with the token: every service, and the
 * whole server (""), is SERVING only while the last probe or heal found the token logged in
 * with its keys. The probe itself (and healing) is {@link TokenHealer#check()}.
 *
 * <p>Guarantee: after {@link #shutdown()} every service reports NOT_SERVING for good, so load
 * balancers stop sending calls before the server stops accepting them.
 */
public final class HealthMonitor implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(HealthMonitor.class.getName());

    private final String label;
    private final HealthStatusManager health;
    private final List<String> services;
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(
            new DaemonThreads("smimed-health"));
    private final AtomicReference<TokenCondition> last = new AtomicReference<>();
    private volatile boolean stopped;

    public HealthMonitor(String tokenLabel, HealthStatusManager health, List<String> services) {
        this.label = tokenLabel;
        this.health = health;
        this.services = List.copyOf(services);
    }

    /** Runs {@code probe} now, then every {@code interval}; each probe publishes its result. */
    public void start(Supplier<TokenCondition> probe, Duration interval) {
        probe.get();
        scheduler.scheduleWithFixedDelay(() -> {
            try {
                probe.get();
            } catch (RuntimeException e) {
                // A probe that throws must not end the schedule (that would freeze health).
                LOG.log(Level.WARNING, "token probe failed", e);
                publish(TokenCondition.UNREACHABLE);
            }
        }, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The condition published last. */
    public TokenCondition condition() {
        return last.get();
    }

    /** Publishes {@code condition} as every service's serving status, if it changed. */
    public void publish(TokenCondition condition) {
        TokenCondition before = last.getAndSet(condition);
        if (condition == before || stopped) {
            return;
        }
        LOG.log(condition.usable() ? Level.INFO : Level.WARNING,
                "token '" + label + "' is " + condition
                        + (condition.usable() ? ": serving" : ": NOT_SERVING"));
        ServingStatus status = condition.usable() ? ServingStatus.SERVING
                : ServingStatus.NOT_SERVING;
        health.setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, status);
        services.forEach(s -> health.setStatus(s, status));
    }

    /** NOT_SERVING for good, and no more probes. */
    public synchronized void shutdown() {
        stopped = true;
        scheduler.shutdownNow();
        health.enterTerminalState();
    }

    @Override
    public void close() {
        shutdown();
    }
}
