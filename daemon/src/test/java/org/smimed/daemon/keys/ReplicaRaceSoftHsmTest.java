package org.smimed.daemon.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.SecureRandom;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.smimed.daemon.testing.MutableClock;
import org.smimed.daemon.testing.SoftHsm;
import org.smimed.daemon.token.KeyAlgorithm;
import org.smimed.daemon.token.KeyObjects;
import org.smimed.daemon.token.KeyUsage;
import org.smimed.daemon.token.Pkcs11Token;

/**
 * Two daemons' key administrations on one SoftHSM2 token, each making versions. Found by an
 * operator trial: the same generate through two replicas at once made two keys named x/v1,
 * and gave one officer a CSR for a key that was never served.
 */
class ReplicaRaceSoftHsmTest {
    // One token for the class: SoftHSM2 lists its tokens once per process and library load.
    private static SoftHsm.Token token;
    private static Pkcs11Token session;
    private final MutableClock clock =
            new MutableClock(Instant.now().truncatedTo(ChronoUnit.SECONDS));

    @BeforeAll
    static void token() throws Exception {
        token = SoftHsm.createToken("race");
        session = token.login();
    }
    /**
     * The daemon that has not seen the other's version yet takes the same number, finds a
     * record of that name beside its own, and stops before making a key.
     */
    @Test
    void generateOfANumberTakenElsewhere_makesNothing_andTheRetryTakesTheNext() throws Exception {
        KeyAdministration here = KeyAdministration.open(session, new SecureRandom(), clock);
        KeyAdministration elsewhere = KeyAdministration.open(session, new SecureRandom(), clock);
        String id = "race@smimed.example";
        elsewhere.generate(id, KeyAlgorithm.EC_P256, KeyUsage.BOTH);

        assertThatThrownBy(() -> here.generate(id, KeyAlgorithm.EC_P256, KeyUsage.BOTH))
                .isInstanceOf(KeyStateException.class).hasMessage(id + "/v1 was made at the same"
                        + " moment through another daemon on this token; nothing was made"
                        + " here: try again");
        assertThat(here.list()).extracting(TokenVersion::name).filteredOn(n -> n.startsWith(id))
                .containsExactly(id + "/v1");

        assertThat(here.generate(id, KeyAlgorithm.EC_P256, KeyUsage.BOTH).name())
                .isEqualTo(id + "/v2");
        assertThat(here.list()).extracting(TokenVersion::name).filteredOn(n -> n.startsWith(id))
                .containsExactlyInAnyOrder(id + "/v1", id + "/v2");
        assertThat(here.registry().problems()).isEmpty();
    }

    /**
     * A daemon killed between writing its record and removing it again leaves an unfinished
     * record beside the winner's, under the same name: start-up removes that one only (the
     * winner's went with it once, found by a review, and its state with it).
     */
    @Test
    void startUpRemovesTheLosersUnfinishedRecord_andKeepsTheWinnersVersion() throws Exception {
        String id = "crash@smimed.example";
        KeyAdministration winner = KeyAdministration.open(session, new SecureRandom(), clock);
        TokenVersion won = winner.generate(id, KeyAlgorithm.EC_P256, KeyUsage.BOTH);
        new KeyObjects(session, new SecureRandom()).createData(won.name(), new VersionRecord(
                "0123456789abcdef", id, 1, KeyState.PENDING, KeyAlgorithm.EC_P256,
                KeyUsage.BOTH, clock.instant(), clock.instant()).completed(false).encode());

        KeyAdministration restarted = KeyAdministration.open(session, new SecureRandom(), clock);

        assertThat(restarted.repairs()).extracting(Repair::version).containsExactly(won.name());
        assertThat(restarted.list()).filteredOn(v -> v.name().startsWith(id)).singleElement()
                .satisfies(v -> {
            assertThat(v.keyId()).isEqualTo(won.keyId());
            assertThat(v.state()).isEqualTo(KeyState.PENDING);
            assertThat(v.legacy()).isFalse();
        });
        assertThat(restarted.registry().problems()).isEmpty();
    }
}
