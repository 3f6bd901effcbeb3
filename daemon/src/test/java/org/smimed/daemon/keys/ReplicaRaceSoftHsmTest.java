package org.smimed.daemon.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.SecureRandom;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.Test;
import org.smimed.daemon.testing.MutableClock;
import org.smimed.daemon.testing.SoftHsm;
import org.smimed.daemon.testing.TokenPicture;
import org.smimed.daemon.token.KeyAlgorithm;
import org.smimed.daemon.token.KeyUsage;
import org.smimed.daemon.token.Pkcs11Token;

/**
 * Two daemons' key administrations on one SoftHSM2 token, each making versions. Found by an
 * operator trial: the same generate through two replicas at once made two keys named x/v1,
 * and gave one officer a CSR for a key that was never served.
 */
class ReplicaRaceSoftHsmTest {
    /**
     * The daemon that has not seen the other's version yet takes the same number, finds a
     * record of that name beside its own, and stops before making a key.
     */
    @Test
    void generateOfANumberTakenElsewhere_makesNothing_andTheRetryTakesTheNext() throws Exception {
        SoftHsm.Token token = SoftHsm.createToken("race");
        MutableClock clock = new MutableClock(Instant.now().truncatedTo(ChronoUnit.SECONDS));
        Pkcs11Token session = token.login();
        KeyAdministration here = KeyAdministration.open(session, new SecureRandom(), clock);
        KeyAdministration elsewhere = KeyAdministration.open(session, new SecureRandom(), clock);
        String id = "race@smimed.example";
        elsewhere.generate(id, KeyAlgorithm.EC_P256, KeyUsage.BOTH);

        assertThatThrownBy(() -> here.generate(id, KeyAlgorithm.EC_P256, KeyUsage.BOTH))
                .isInstanceOf(KeyStateException.class).hasMessage(id + "/v1 was made at the same"
                        + " moment through another daemon on this token; nothing was made"
                        + " here: try again");
        assertThat(TokenPicture.read(token).count(TokenPicture.PRIVATE_KEY)).isEqualTo(1);

        assertThat(here.generate(id, KeyAlgorithm.EC_P256, KeyUsage.BOTH).name())
                .isEqualTo(id + "/v2");
        assertThat(here.list()).extracting(TokenVersion::name)
                .containsExactlyInAnyOrder(id + "/v1", id + "/v2");
        assertThat(here.registry().problems()).isEmpty();
    }
}
