package org.smimed.daemon.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.smimed.daemon.keys.KeyAdministration;
import org.smimed.daemon.testing.OfficerCa;
import org.smimed.daemon.testing.SoftHsm;
import org.smimed.daemon.token.KeyAlgorithm;
import org.smimed.daemon.token.KeyUsage;
import org.smimed.daemon.token.Pkcs11Token;

/**
 * {@code smimed_certificate_expiry_days} in a real SoftHSM2 token: the first of an identity's
 * ACTIVE certificates to expire sets the days, an encryption-only key included.
 */
class ExpiryWatchSoftHsmTest {
    private static final String X25519 = "x25519@smimed.example";
    private static final String SPLIT = "split@smimed.example";
    private static final String ROTATED = "rotated@smimed.example";
    private static final Instant NOW = Instant.parse("2026-03-01T10:00:00Z");

    private static KeyAdministration admin;
    private static OfficerCa ca;
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private ExpiryWatch watch;

    @BeforeAll
    static void tokenWithAnEncryptionOnlyIdentityASplitOneAndARotatedOne() throws Exception {
        Pkcs11Token token = SoftHsm.createToken("expiry").login();
        Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
        admin = KeyAdministration.open(token, new SecureRandom(), clock);
        ca = OfficerCa.create(clock);
        activate(X25519, KeyAlgorithm.X25519, KeyUsage.ENCRYPT, Duration.ofDays(30));
        activate(SPLIT, KeyAlgorithm.EC_P256, KeyUsage.SIGN, Duration.ofDays(90));
        activate(SPLIT, KeyAlgorithm.EC_P256, KeyUsage.ENCRYPT, Duration.ofDays(45));
        activate(ROTATED, KeyAlgorithm.EC_P256, KeyUsage.BOTH, Duration.ofDays(10));
        activate(ROTATED, KeyAlgorithm.EC_P256, KeyUsage.BOTH, Duration.ofDays(60));
    }

    @BeforeEach
    void watchAtTheTimeTheCertificatesWereIssued() {
        watch = new ExpiryWatch(registry, admin.registry(), Clock.fixed(NOW, ZoneOffset.UTC),
                40);
    }

    @AfterEach
    void closeWatch() {
        watch.close();
    }

    @Test
    void encryptionOnlyIdentity_reportsItsCertificatesDaysLeft_notNaN() {
        assertThat(daysLeft(X25519)).isEqualTo(30.0);
    }

    @Test
    void separateSigningAndEncryptionKeys_reportTheFirstToExpire() {
        assertThat(daysLeft(SPLIT)).isEqualTo(45.0);
    }

    @Test
    void check_warnsForTheEncryptionOnlyIdentity() {
        assertThat(watch.check()).containsExactly(
                "certificate of '" + X25519 + "' expires in 30 days");
    }

    @Test
    void expiredCertificateStillActive_goesNegative() {
        SimpleMeterRegistry later = new SimpleMeterRegistry();
        try (ExpiryWatch laterWatch = new ExpiryWatch(later, admin.registry(),
                Clock.fixed(NOW.plus(Duration.ofDays(31)), ZoneOffset.UTC), 40)) {
            assertThat(daysLeft(later, X25519)).isEqualTo(-1.0);
        }
    }

    /** An officer trial: 0.0 for the first hour after expiry, which a "< 0" alert missed. */
    @Test
    void aSecondPastExpiry_isAlreadyNegative() {
        Instant notAfter = Instant.parse("2026-12-02T12:00:00Z");

        assertThat(ExpiryWatch.daysUntil(notAfter.plusSeconds(33), notAfter)).isNegative();
        assertThat(ExpiryWatch.daysUntil(notAfter.minus(Duration.ofHours(12)), notAfter))
                .isEqualTo(0.5);
    }

    @Test
    void rotatedKey_theVersionDemotedToDecryptOnly_noLongerCounts() {
        assertThat(daysLeft(ROTATED)).isEqualTo(60.0);
    }

    private double daysLeft(String identity) {
        return daysLeft(registry, identity);
    }

    private static double daysLeft(SimpleMeterRegistry registry, String identity) {
        return registry.get("smimed.certificate.expiry.days").tag("identity", identity).gauge()
                .value();
    }

    private static void activate(String identity, KeyAlgorithm algorithm, KeyUsage usage,
                          Duration validity) throws Exception {
        ca.activateNewKey(admin, identity, algorithm, usage, validity);
    }
}
