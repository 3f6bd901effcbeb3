package org.smimed.daemon.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.smimed.daemon.testing.SoftHsm;
import org.smimed.daemon.testing.TestDeployment;
import org.smimed.daemon.token.TokenFaults;

/**
 * Found by an operator trial: after a logout the healer tried the PIN from its source on every
 * probe and every failing call, which would lock the user PIN of an HSM. A rejected PIN is
 * offered once; the daemon then gives up (exit 6; at the restart, exit 4, which the systemd
 * unit does not retry).
 */
class RejectedPinIT {
    @TempDir
    static Path dir;
    private static TestDeployment deployment;

    @BeforeAll
    static void start() throws Exception {
        deployment = TestDeployment.start(dir, List.of(), """
                operations:
                  probeIntervalSeconds: 1
                """);
    }

    @AfterAll
    static void stop() throws Exception {
        deployment.close();
    }

    @Test
    void pinRejectedWhileHealing_givesUpAtOnce_notAfterEveryProbe() throws Exception {
        Path pinFile = deployment.token().pinFile();
        Files.writeString(pinFile, "000000\n");
        TokenFaults.logOut(SoftHsm.LIBRARY, deployment.token().label());

        TokenLogoutHealingIT.await(Duration.ofSeconds(30),
                () -> deployment.daemon().failure().isPresent());

        // Not the give-up after TokenHealer.GIVE_UP_AFTER_PROBES unusable probes.
        assertThat(deployment.daemon().failure().get()).contains("rejected the PIN read again"
                + " from its source").contains("not trying it again");
        assertThat(TokenFaults.isLoggedIn(SoftHsm.LIBRARY, deployment.token().label()))
                .isFalse();
    }
}
