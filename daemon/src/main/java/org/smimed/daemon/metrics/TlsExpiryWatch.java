package org.smimed.daemon.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.lang.System.Logger.Level;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.smimed.daemon.config.Listener;
import org.smimed.daemon.threads.DaemonThreads;

/**
 * Watches the daemon's own TLS server certificates: exports
 * {@code smimed_tls_certificate_expiry_days{listener}} (days until the leaf's notAfter,
 * negative once expired) and logs a warning for each listener whose certificate expires within
 * {@code warnDays} or has expired — at start and then once a day. An expired server
 * certificate stops every client's handshake, so this is the one warning that must come
 * before the outage rather than with it.
 *
 * <p>Each listener's certificate is asked for whenever it is read, so the gauge and the
 * warnings follow a certificate replaced while the daemon runs.
 */
public final class TlsExpiryWatch implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(TlsExpiryWatch.class.getName());

    private final Map<Listener, Supplier<X509Certificate>> leaves;
    private final Clock clock;
    private final int warnDays;
    private final List<Gauge> gauges = new ArrayList<>();
    private final MeterRegistry registry;
    private final ScheduledExecutorService daily = Executors.newSingleThreadScheduledExecutor(
            new DaemonThreads("smimed-tls-expiry-watch"));

    /** {@code leaves}: each TLS listener's current server certificate. */
    TlsExpiryWatch(MeterRegistry registry, Map<Listener, Supplier<X509Certificate>> leaves,
                   Clock clock, int warnDays) {
        this.registry = registry;
        this.leaves = Map.copyOf(leaves);
        this.clock = clock;
        this.warnDays = warnDays;
        this.leaves.forEach((listener, leaf) -> gauges.add(
                Gauge.builder("smimed.tls.certificate.expiry.days", () -> daysLeft(leaf.get()))
                        .description("Days until the listener's TLS server certificate expires")
                        .tag("listener", name(listener))
                        .register(registry)));
    }

    /** Checks now and then every {@code period}. */
    void start(Duration period) {
        check();
        daily.scheduleAtFixedRate(this::check, period.toMillis(), period.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    /** Logs a warning per listener expiring within the warning window; returns them. */
    public List<String> check() {
        List<String> warnings = new ArrayList<>();
        leaves.entrySet().stream()
                .sorted(Map.Entry.comparingByKey())
                .forEach(entry -> {
                    X509Certificate leaf = entry.getValue().get();
                    double days = daysLeft(leaf);
                    if (days <= warnDays) {
                        String warning = "TLS server certificate of the " + name(entry.getKey())
                                + " listener ('" + leaf.getSubjectX500Principal().getName()
                                + "', serial " + leaf.getSerialNumber().toString(16) + ") "
                                + ExpiryWatch.expiry(clock.instant(),
                                        leaf.getNotAfter().toInstant())
                                + "; clients cannot connect once it has expired";
                        LOG.log(Level.WARNING, warning);
                        warnings.add(warning);
                    }
                });
        return warnings;
    }

    private double daysLeft(X509Certificate leaf) {
        return ExpiryWatch.daysUntil(clock.instant(), leaf.getNotAfter().toInstant());
    }

    /** The label value: "client", "admin". */
    private static String name(Listener listener) {
        return listener.name().toLowerCase(Locale.ROOT);
    }

    @Override
    public void close() {
        daily.shutdownNow();
        gauges.forEach(registry::remove);
    }
}
