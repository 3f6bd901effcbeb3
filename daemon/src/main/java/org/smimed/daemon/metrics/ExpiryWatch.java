package org.smimed.daemon.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
    private final Runnable followServed = () -> followServedIdentities(true);
    /** Each identity's earliest certificate in force when last looked at, to warn on change. */
    private final Map<String, Instant> inForce = new HashMap<>();
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
        followServedIdentities(false);
    }

    /**
     * One series per identity served now; series of identities no longer served go. With
     * {@code warn}, an identity whose certificate in force changed (an activation) and expires
     * within the window is warned about now, not at the next daily check (found by an
     * operator trial: a 10-day certificate activated with a 60-day window said nothing).
     */
    private synchronized void followServedIdentities(boolean warn) {
        List<String> served = keys.identities();
        expiryDays.register(served.stream()
                .map(identity -> MultiGauge.Row.of(Tags.of("identity", identity), identity,
                        this::daysLeft))
                .toList());
        inForce.keySet().retainAll(served);
        for (String identity : served) {
            Optional<Instant> first = earliest(identity);
            if (first.isEmpty() || first.get().equals(inForce.get(identity))) {
                continue;
            }
            inForce.put(identity, first.get());
            double days = daysUntil(first.get());
            if (warn && days <= warnDays) {
                LOG.log(Level.WARNING, "certificate of '" + identity + "' now in force "
                        + expiry(clock.instant(), first.get()));
            }
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
        for (String identity : keys.identities()) {
            double days = daysLeft(identity);
            if (!Double.isNaN(days) && days <= warnDays) {
                String warning = "certificate of '" + identity + "' "
                        + expiry(clock.instant(), earliest(identity).orElseThrow());
                LOG.log(Level.WARNING, warning);
                expiring.add(warning);
            }
        }
        return expiring;
    }

    /**
     * "expires in N days" (whole days left, rounded down) or "EXPIRED N days ago": cut toward
     * zero, a certificate expired 12 hours before said "expires in 0 days" (found by a review;
     * smimectl list already counted this way).
     */
    static String expiry(Instant now, Instant notAfter) {
        long days = Math.floorDiv(Duration.between(now, notAfter).toHours(), 24);
        return days >= 0 ? "expires in " + days + " days" : "EXPIRED " + -days + " days ago";
    }

    private double daysLeft(String identity) {
        return earliest(identity).map(this::daysUntil).orElse(Double.NaN);
    }

    /**
     * Fractional days, negative from the first second past notAfter: whole hours truncated
     * toward zero read 0.0 for the first hour after expiry, which an alert on "< 0" missed
     * (an officer trial).
     */
    static double daysUntil(Instant now, Instant notAfter) {
        return Duration.between(now, notAfter).toSeconds() / 86_400.0;
    }

    private double daysUntil(Instant notAfter) {
        return daysUntil(clock.instant(), notAfter);
    }

    /** The notAfter of the identity's first ACTIVE certificate to expire, if it has one. */
    private Optional<Instant> earliest(String identity) {
        List<KeyVersion> versions;
        try {
            versions = keys.versionsOf(identity);
        } catch (UnknownIdentityException e) {
            return Optional.empty(); // gone from the token since start: nothing expires
        }
        return versions.stream()
                .filter(v -> v.state() == KeyState.ACTIVE && (v.signs() || v.decrypts()))
                .map(v -> v.certificate().getNotAfter().toInstant())
                .min(Comparator.naturalOrder());
    }

    @Override
    public void close() {
        keys.removeChangeListener(followServed);
        daily.shutdownNow();
    }
}
