package org.smimed.daemon.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Gauge;
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
import org.smimed.daemon.keys.TokenVersion;
import org.smimed.daemon.testing.LogCapture;
import org.smimed.daemon.testing.OfficerCa;
import org.smimed.daemon.testing.SoftHsm;
import org.smimed.daemon.token.KeyAlgorithm;
import org.smimed.daemon.token.KeyUsage;
import org.smimed.daemon.token.Pkcs11Token;

/**
 * {@code smimed_certificate_expiry_days} follows the identities served while the daemon runs,
 * in a real SoftHSM2 token. Found by an outside trial: an identity activated after start, here
 * or through another daemon on the token, had no series until a restart. Each test works on
 * identities of its own; {@code here} and {@code elsewhere} are two daemons' key
 * administrations on one token.
 */
class ExpiryWatchFollowsTokenSoftHsmTest {
    private static final Instant NOW = Instant.parse("2026-03-01T10:00:00Z");
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

    private static KeyAdministration here;
    private static KeyAdministration elsewhere;
    private static OfficerCa ca;
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private ExpiryWatch watch;

    @BeforeAll
    static void twoDaemonsOnOneToken() throws Exception {
        Pkcs11Token token = SoftHsm.createToken("expiry-follows").login();
        here = KeyAdministration.open(token, new SecureRandom(), CLOCK);
        elsewhere = KeyAdministration.open(token, new SecureRandom(), CLOCK);
        ca = OfficerCa.create(CLOCK);
    }

    @BeforeEach
    void watchWhatIsServedHere() {
        watch = new ExpiryWatch(registry, here.registry(), CLOCK, 40);
    }

    @AfterEach
    void closeWatch() {
        watch.close();
    }

    @Test
    void identityActivatedAfterStart_getsItsSeries() throws Exception {
        String identity = "late@smimed.example";
        assertThat(series(identity)).isNull();

        activate(here, identity, Duration.ofDays(20));

        assertThat(series(identity).value()).isEqualTo(20.0);
    }

    /** Found by an operator trial: said only at the next daily check or restart. */
    @Test
    void certificateActivatedWithinTheWarningWindow_isWarnedAboutAtOnce_once() throws Exception {
        String identity = "short@smimed.example";
        try (LogCapture log = LogCapture.of(ExpiryWatch.class)) {
            activate(here, identity, Duration.ofDays(10));
            activate(here, "long@smimed.example", Duration.ofDays(300));

            assertThat(log.messages(java.util.logging.Level.WARNING)).containsExactly(
                    "certificate of '" + identity + "' now in force expires in 10 days");
        }
    }

    @Test
    void identityActivatedThroughAnotherDaemon_getsItsSeriesOnceFollowed() throws Exception {
        String identity = "replica@smimed.example";
        activate(elsewhere, identity, Duration.ofDays(25));
        assertThat(series(identity)).isNull();

        assertThat(here.followChangesElsewhere()).as("named, by version")
                .anySatisfy(change -> assertThat(change).startsWith(identity + "/v1 "));

        assertThat(series(identity).value()).isEqualTo(25.0);
    }

    @Test
    void identityWithEveryVersionDestroyed_losesItsSeries() throws Exception {
        String identity = "gone@smimed.example";
        TokenVersion v = activate(here, identity, Duration.ofDays(30));
        assertThat(series(identity)).isNotNull();

        here.disable(v.name());
        assertThat(series(identity).value()).isNaN();
        here.destroy(v.name(), here.view().fingerprint(here.list().stream()
                .filter(t -> t.name().equals(v.name())).findFirst().orElseThrow())
                .orElseThrow());

        assertThat(series(identity)).isNull();
    }

    @Test
    void closedWatch_stopsFollowing() throws Exception {
        String identity = "after-close@smimed.example";
        activate(here, "before-close@smimed.example", Duration.ofDays(15));
        assertThat(series("before-close@smimed.example")).as("followed while open").isNotNull();
        watch.close();

        activate(here, identity, Duration.ofDays(15));

        assertThat(series(identity)).isNull();
    }

    private Gauge series(String identity) {
        return registry.find("smimed.certificate.expiry.days").tag("identity", identity)
                .gauge();
    }

    private static TokenVersion activate(KeyAdministration admin, String identity,
                                         Duration validity) throws Exception {
        return ca.activateNewKey(admin, identity, KeyAlgorithm.EC_P256, KeyUsage.BOTH, validity);
    }
}
