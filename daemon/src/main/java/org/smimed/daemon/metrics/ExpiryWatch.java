package org.smimed.daemon.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.smimed.daemon.keys.KeyRegistry;
import org.smimed.daemon.keys.KeyState;
import org.smimed.daemon.keys.KeyVersion;
import org.smimed.daemon.keys.UnknownIdentityException;
import org.smimed.daemon.threads.DaemonThreads;

/**
 * Watches the certificates in force for every identity: exports
 * {@code smimed_certificate_expiry_days{identity}} and logs a warning for each identity whose
 * certificate expires within {@code warnDays} — at start and then once a day, so a daemon that
 * runs for months still says so in its log.
 *
 * <p>An identity's days left are those of the earliest-expiring certificate among its ACTIVE
 * versions that sign or decrypt: a separate encryption key (an X25519 key always is one)
 * counts as much as the signing key, since mail can no longer be encrypted to the identity
 * once it expires. An expired certificate still in force gives a negative number; an identity
 * with no ACTIVE version (only DECRYPT_ONLY or DISABLED ones) gives NaN, as nothing it uses
 * for new mail can expire.
 *
 * <p>The gauge follows the served identities: one that appears while the daemon runs (an
 * officer's activation here or through another daemon on the token) gets its series at the
 * swap, and one no longer served (every version destroyed) loses it.
 */
public final class ExpiryWatch implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ExpiryWatch.class.getName());

    private final KeyRegistry keys;
    private final Clock clock;
    private final int warnDays;
    private final MultiGauge expiryDays;
    private final Runnable followServed = this::followServedIdentities;
    private final ScheduledExecutorService daily = Executors.newSingleThreadScheduledExecutor(
            new DaemonThreads("smimed-expiry-watch"));

    ExpiryWatch(MeterRegistry registry, KeyRegistry keys, Clock clock, int warnDays) {
        this.keys = keys;
        this.clock = clock;
        this.warnDays = warnDays;
        this.expiryDays = MultiGauge.builder("smimed.certificate.expiry.days")
                .description("Days until the first of the identity's ACTIVE certificates"
                        + " expires")
                .register(registry);
        keys.addChangeListener(followServed);
        followServedIdentities();
    }

    /** One series per identity served now; series of identities no longer served go. */
    private synchronized void followServedIdentities() {
        expiryDays.register(keys.identities().stream()
                .map(identity -> MultiGauge.Row.of(Tags.of("identity", identity), identity,
                        this::daysLeft))
                .toList());
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
        for (String identity : keys.identities()) {
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
        List<KeyVersion> versions;
        try {
            versions = keys.versionsOf(identity);
        } catch (UnknownIdentityException e) {
            return Double.NaN; // gone from the token since start: nothing expires
        }
        return versions.stream()
                .filter(v -> v.state() == KeyState.ACTIVE && (v.signs() || v.decrypts()))
                .map(v -> v.certificate().getNotAfter().toInstant())
                .min(Comparator.naturalOrder())
                .map(notAfter -> Duration.between(clock.instant(), notAfter).toHours() / 24.0)
                .orElse(Double.NaN);
    }

    @Override
    public void close() {
        keys.removeChangeListener(followServed);
        daily.shutdownNow();
    }
}
