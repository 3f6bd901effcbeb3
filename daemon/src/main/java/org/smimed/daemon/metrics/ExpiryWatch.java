package org.smimed.daemon.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.smimed.daemon.keys.KeyRegistry;
import org.smimed.daemon.keys.KeyVersion;
import org.smimed.daemon.threads.DaemonThreads;

/**
 * Watches the active signing certificate of every identity: exports
 * {@code smimed_certificate_expiry_days{identity}} and logs a warning for each that expires
 * within {@code warnDays} — at start and then once a day, so a daemon that runs for months
 * still says so in its log.
 */
public final class ExpiryWatch implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ExpiryWatch.class.getName());

    private final Supplier<KeyRegistry> keys;
    private final Clock clock;
    private final int warnDays;
    private final ScheduledExecutorService daily = Executors.newSingleThreadScheduledExecutor(
            new DaemonThreads("smimed-expiry-watch"));

    ExpiryWatch(MeterRegistry registry, Supplier<KeyRegistry> keys, Clock clock, int warnDays) {
        this.keys = keys;
        this.clock = clock;
        this.warnDays = warnDays;
        for (String identity : keys.get().identities()) {
            Gauge.builder("smimed.certificate.expiry.days", () -> daysLeft(identity))
                    .description("Days until the identity's signing certificate expires")
                    .tag("identity", identity).register(registry);
        }
    }

    /** Checks now and then every {@code period}. */
    void start(Duration period) {
        check();
        daily.scheduleAtFixedRate(this::check, period.toMillis(), period.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    /** Logs a warning per identity expiring within the warning window; returns them. */
    public List<String> check() {
        List<String> expiring = new ArrayList<>();
        for (String identity : keys.get().identities()) {
            double days = daysLeft(identity);
            if (!Double.isNaN(days) && days <= warnDays) {
                String warning = "certificate of '" + identity + "' expires in " + (long) days
                        + " days";
                LOG.log(Level.WARNING, warning);
                expiring.add(warning);
            }
        }
        return expiring;
    }

    private double daysLeft(String identity) {
        try {
            KeyVersion version = keys.get().signingKey(identity);
            return Duration.between(clock.instant(),
                    version.certificate().getNotAfter().toInstant()).toHours() / 24.0;
        } catch (Exception e) {
            return Double.NaN; // no signing key now: nothing expires
        }
    }

    @Override
    public void close() {
        daily.shutdownNow();
    }
}
