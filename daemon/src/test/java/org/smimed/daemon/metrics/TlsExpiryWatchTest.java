package org.smimed.daemon.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.smimed.daemon.config.Listener;
import org.smimed.daemon.provision.DemoCertificateAuthority;
import org.smimed.daemon.testing.MutableClock;

/**
 * {@code smimed_tls_certificate_expiry_days{listener}} and the warnings, on real certificates
 * issued at a fixed instant and read with a clock the test moves.
 */
class TlsExpiryWatchTest {
    private static final Instant NOW = Instant.parse("2026-03-01T10:00:00Z");

    private static DemoCertificateAuthority ca;
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final MutableClock clock = new MutableClock(NOW);
    private TlsExpiryWatch watch;

    @BeforeAll
    static void caAtTheTestInstant() throws Exception {
        ca = DemoCertificateAuthority.create("tls expiry CA", new BouncyCastleProvider(),
                Clock.fixed(NOW, ZoneOffset.UTC), new SecureRandom());
    }

    @AfterEach
    void closeWatch() {
        if (watch != null) {
            watch.close();
        }
    }

    @Test
    void gauge_exportsTheDaysLeftPerListener() throws Exception {
        watch = watch(Map.of(Listener.CLIENT, fixed(server(20)), Listener.ADMIN,
                fixed(server(90))), 30);

        assertThat(daysLeft(Listener.CLIENT)).isEqualTo(20.0);
        assertThat(daysLeft(Listener.ADMIN)).isEqualTo(90.0);
    }

    @Test
    void check_warnsOnlyForTheListenerWithinTheWindow() throws Exception {
        X509Certificate soon = server(20);
        watch = watch(Map.of(Listener.CLIENT, fixed(soon), Listener.ADMIN, fixed(server(90))),
                30);

        assertThat(watch.check()).containsExactly("TLS server certificate of the client"
                + " listener ('" + soon.getSubjectX500Principal().getName() + "', serial "
                + soon.getSerialNumber().toString(16) + ") expires in 20 days; clients cannot"
                + " connect once it has expired");
    }

    @Test
    void expiredCertificate_goesNegative_andIsReportedAsExpired() throws Exception {
        watch = watch(Map.of(Listener.CLIENT, fixed(server(20))), 30);

        clock.advance(Duration.ofDays(23));

        assertThat(daysLeft(Listener.CLIENT)).isEqualTo(-3.0);
        assertThat(watch.check()).singleElement().asString()
                .contains("EXPIRED 3 days ago");
    }

    @Test
    void outsideTheWindow_noWarning() throws Exception {
        watch = watch(Map.of(Listener.CLIENT, fixed(server(90))), 30);

        assertThat(watch.check()).isEmpty();
    }

    @Test
    void replacedCertificate_theGaugeAndTheWarningsFollowIt() throws Exception {
        AtomicReference<X509Certificate> current = new AtomicReference<>(server(5));
        watch = watch(Map.of(Listener.CLIENT, current::get), 30);
        assertThat(watch.check()).hasSize(1);

        current.set(server(90));

        assertThat(daysLeft(Listener.CLIENT)).isEqualTo(90.0);
        assertThat(watch.check()).isEmpty();
    }

    @Test
    void close_removesTheSeries() throws Exception {
        watch = watch(Map.of(Listener.CLIENT, fixed(server(90))), 30);

        watch.close();

        assertThat(registry.find("smimed.tls.certificate.expiry.days").gauges()).isEmpty();
    }

    private TlsExpiryWatch watch(Map<Listener, Supplier<X509Certificate>> leaves,
                                 int warnDays) {
        return new TlsExpiryWatch(registry, leaves, clock, warnDays);
    }

    private double daysLeft(Listener listener) {
        return registry.get("smimed.tls.certificate.expiry.days")
                .tag("listener", listener.name().toLowerCase(java.util.Locale.ROOT)).gauge()
                .value();
    }

    private static Supplier<X509Certificate> fixed(X509Certificate certificate) {
        return () -> certificate;
    }

    /** A server certificate issued at {@link #NOW}, valid for {@code days}. */
    private static X509Certificate server(int days) throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(256);
        return ca.issueServer(generator.generateKeyPair().getPublic(), List.of("localhost"),
                Duration.ofDays(days));
    }
}
