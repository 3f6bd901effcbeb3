package org.smimed.daemon.keys;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.smimed.daemon.testing.MutableClock;
import org.smimed.daemon.testing.OfficerCa;
import org.smimed.daemon.testing.SoftHsm;
import org.smimed.daemon.testing.TestDeployment;
import org.smimed.daemon.token.KeyAlgorithm;
import org.smimed.daemon.token.KeyUsage;
import org.smimed.daemon.token.Pkcs11Token;

/**
 * Two daemons' key administrations on one SoftHSM2 token, {@code here} following what an
 * officer does through {@code elsewhere}. Found by an operator trial: each change elsewhere
 * was logged with every version on the token named "state record rewritten", legacy versions
 * (no record at all) and untouched ones included, hiding the one that changed.
 */
class FollowChangesSoftHsmTest {
    @TempDir
    Path dir;

    @Test
    void oneVersionChangedElsewhere_onlyThatVersionIsNamed() throws Exception {
        SoftHsm.Token token = SoftHsm.createToken("follow");
        // The demo identities: provisioned without state records, so legacy versions.
        TestDeployment.provision(dir, token);
        MutableClock clock = new MutableClock(Instant.now().truncatedTo(ChronoUnit.SECONDS));
        Pkcs11Token session = token.login();
        KeyAdministration here = KeyAdministration.open(session, new SecureRandom(), clock);
        KeyAdministration elsewhere = KeyAdministration.open(session, new SecureRandom(), clock);
        OfficerCa ca = OfficerCa.create(clock);
        assertThat(here.list()).filteredOn(TokenVersion::legacy).extracting(TokenVersion::name)
                .containsExactlyInAnyOrder(TestDeployment.RSA + "/v1", TestDeployment.EC + "/v1");

        String a = activate(ca, elsewhere, "a@smimed.example");
        clock.advance(Duration.ofMinutes(1));
        String b = activate(ca, elsewhere, "b@smimed.example");
        assertThat(here.followChangesElsewhere())
                .containsExactly(a + " new, ACTIVE", b + " new, ACTIVE");

        clock.advance(Duration.ofMinutes(1));
        elsewhere.disable(a);

        assertThat(here.followChangesElsewhere()).containsExactly(a + " ACTIVE -> DISABLED");
        assertThat(here.followChangesElsewhere()).as("nothing changed since").isEmpty();
    }

    private static String activate(OfficerCa ca, KeyAdministration admin, String identity)
            throws Exception {
        return ca.activateNewKey(admin, identity, KeyAlgorithm.EC_P256, KeyUsage.BOTH,
                Duration.ofDays(30)).name();
    }
}
