package org.smimed.daemon.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.smimed.daemon.testing.DaemonProcess;
import org.smimed.daemon.testing.SoftHsm;
import org.smimed.daemon.testing.Smimectl;
import org.smimed.daemon.testing.TestDeployment;
import org.smimed.daemon.testing.TokenPicture;

/**
 * What an operator trial found: an officer change ran on the token and was then left
 * unrecorded when the audit log had been replaced (a logrotate-style rename), the officer told
 * to retry; and two daemons given one audit file interleaved two chains without a word.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OfficerAuditGuardIT {
    private static final String ADMIN = "admin: {listen: {address: 127.0.0.1, port: 0}}";

    @TempDir
    Path dir;
    /**
     * Made before any login: SoftHSM2 reads its token list once per process. The order below
     * matters for the same reason: the first test creates its token before it logs in, the
     * second logs in to this one.
     */
    private static SoftHsm.Token sharedToken;

    @BeforeAll
    static void createToken() throws Exception {
        sharedToken = SoftHsm.createToken("shared-audit");
    }

    @Test
    @Order(1)
    void officerChange_withTheAuditLogReplaced_isRefusedBeforeTheTokenIsTouched()
            throws Exception {
        try (TestDeployment deployment = TestDeployment.start(dir, List.of(), ADMIN)) {
            Smimectl officer = Smimectl.demoOfficer(dir,
                    "localhost:" + deployment.daemon().adminPort());
            officer.ok("list");
            long keysBefore = privateKeys(deployment.token());
            Path audit = deployment.auditFile();
            // What a rotation by rename does: the daemon's file moves away, a new one appears.
            Files.move(audit, dir.resolve("audit.log.1"), StandardCopyOption.ATOMIC_MOVE);
            Files.copy(dir.resolve("audit.log.1"), audit);

            Smimectl.Run r = officer.run("generate", "unrecorded@smimed.example", "--alg",
                    "p256", "--usage", "sign");

            assertThat(r.exit()).isEqualTo(1);
            assertThat(r.daemonError()).isEqualTo("smimectl: audit log cannot record this"
                    + " call; nothing was done (see the daemon log) (UNAVAILABLE)\n");
            assertThat(privateKeys(deployment.token())).as("no key generated")
                    .isEqualTo(keysBefore);
        }
    }

    @Test
    @Order(2)
    void aSecondDaemon_cannotWriteTheAuditFileAnotherDaemonWrites() throws Exception {
        TestDeployment.provision(dir, sharedToken);
        Path config = TestDeployment.writeConfig(dir, sharedToken);
        try (DaemonProcess first = DaemonProcess.start(config,
                Path.of(System.getenv("SOFTHSM2_CONF")))) {
            assertThatThrownBy(() -> AuditLog.open(dir.resolve("audit.log"),
                    Clock.systemUTC()))
                    .isInstanceOf(AuditException.class)
                    .hasMessageContaining("is in use by another smimed")
                    .hasMessageContaining("give each daemon an audit file of its own");
            assertThat(first.isAlive()).isTrue();
        }
    }

    @Test
    void theSameFileOpenedTwiceInOneProcess_isRefusedToo() throws Exception {
        Path file = dir.resolve("audit.log");
        try (AuditLog first = AuditLog.open(file, Clock.systemUTC())) {
            assertThatThrownBy(() -> AuditLog.open(file, Clock.systemUTC()))
                    .isInstanceOf(AuditException.class)
                    .hasMessageContaining("is in use by another smimed");
            assertThat(first.healthy()).isTrue();
            // The refused attempt left the first log's lock in place.
            assertThatThrownBy(() -> AuditLog.open(file, Clock.systemUTC()))
                    .hasMessageContaining("is in use by another smimed");
        }
        // Closing releases it: a restart in the same process opens it again.
        AuditLog.open(file, Clock.systemUTC()).close();
    }

    private static long privateKeys(SoftHsm.Token token) throws Exception {
        return TokenPicture.read(token).count(TokenPicture.PRIVATE_KEY);
    }
}
