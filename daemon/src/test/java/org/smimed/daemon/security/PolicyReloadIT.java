package org.smimed.daemon.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.smimed.daemon.security.AuditTrail.refused;
import static org.smimed.daemon.testing.TestDeployment.RSA;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.smimed.api.v1.SignRequest;
import org.smimed.api.v1.SigningServiceGrpc;
import org.smimed.daemon.keys.CertificateSummary;
import org.smimed.daemon.policy.PolicyStore;
import org.smimed.daemon.testing.AuditRecords;
import org.smimed.daemon.testing.TestClients;
import org.smimed.daemon.testing.LogCapture;
import org.smimed.daemon.testing.TestDeployment;

/**
 * The policy changes while the daemon runs: a grant added to the file takes effect, a grant
 * removed stops working, and a malformed file is rejected and logged while the policy before
 * it stays in force — all without a restart.
 */
class PolicyReloadIT {
    private static final String LATE = "CN=late service,O=smimed demo";
    private static final Duration PATIENCE = Duration.ofSeconds(20);

    @TempDir
    static Path dir;
    private static TestDeployment deployment;
    private static ManagedChannel late;
    private static LogCapture policyLog;

    @BeforeAll
    static void start() throws Exception {
        policyLog = LogCapture.of(PolicyStore.class);
        deployment = TestDeployment.start(dir);
        TestClients clients = deployment.clients();
        late = clients.channel(clients.issue("late service", null, Duration.ofDays(1)));
    }

    @AfterAll
    static void stop() throws Exception {
        late.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        deployment.close();
        policyLog.close();
    }

    @Test
    void grantAddedThenRemoved_takesEffectWithoutRestart_andABadPolicyIsRejected()
            throws Exception {
        refused(PolicyReloadIT::sign, Status.Code.PERMISSION_DENIED,
                "not permitted to sign as " + RSA + ": no policy entry matches this client"
                        + " certificate (subject 'CN=late service,O=smimed demo', as RFC 4514"
                        + " writes it)");

        replacePolicy(TestDeployment.DEFAULT_POLICY + """
                  - name: late
                    subject: "%s"
                    sign: [%s]
                """.formatted(LATE, RSA));
        awaitSignAllowed(true);

        replacePolicy(TestDeployment.DEFAULT_POLICY);
        awaitSignAllowed(false);

        replacePolicy(TestDeployment.DEFAULT_POLICY + """
                  - name: late
                    subject: "%s"
                    sign: [%s]
                """.formatted(LATE, RSA));
        awaitSignAllowed(true);
        int before = policyLog.messages().size();

        Files.writeString(deployment.policyFile(), """
                callers:
                  - name: late
                    subject: "%s"
                    sign: [%s]
                    maxConcurrent: many
                """.formatted(LATE, RSA));
        assertThat(deployment.daemon().reloadPolicy()).isFalse();

        List<String> logged = policyLog.messages();
        assertThat(logged.subList(before, logged.size())).anySatisfy(line ->
                assertThat(line).contains("rejected, the previous policy stays in force")
                        .contains("callers[0].maxConcurrent: expected a positive integer"));
        assertThat(sign().getKeyVersion()).isEqualTo(RSA + "/v1");
        assertThat(DefaultServiceStillWorks.sign(deployment)).isTrue();

        // Each reload is in the audit log, the refused one too (an operator trial found them
        // only on standard error, though a policy makes officers).
        List<Map<String, String>> reloads = AuditRecords.read(deployment.auditFile()).stream()
                .filter(r -> "POLICY_RELOAD".equals(r.get("event"))).toList();
        assertThat(reloads).hasSizeGreaterThanOrEqualTo(4)
                .filteredOn(r -> "OK".equals(r.get("outcome"))).hasSizeGreaterThanOrEqualTo(3)
                .allSatisfy(granted -> {
                    assertThat(granted).containsEntry("caller", "smimed")
                            .containsEntry("method", "smimed/PolicyReload");
                    assertThat(granted.get("detail"))
                            .matches("entries=\\d+ officers=\\S* auditors=\\S*"
                                    + " dualControl=(off|\\S+ approvalMinutes=\\d+)");
                });
        // The explicit reload, the watcher's look at the same text being skipped.
        Map<String, String> refused = reloads.get(reloads.size() - 1);
        assertThat(refused).containsEntry("outcome", "FAILED")
                .containsEntry("detail", "problems=1").containsEntry("inputSha256",
                        CertificateSummary.sha256(Files.readAllBytes(deployment.policyFile())));
    }

    /** Writes the new policy beside the old and renames it over, as deployment tools do. */
    private static void replacePolicy(String yaml) throws Exception {
        Path next = dir.resolve("policy.yaml.new");
        Files.writeString(next, yaml);
        Files.move(next, deployment.policyFile(), StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);
    }

    private static void awaitSignAllowed(boolean allowed) throws Exception {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (true) {
            boolean now;
            try {
                sign();
                now = true;
            } catch (StatusRuntimeException e) {
                assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
                now = false;
            }
            if (now == allowed) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("policy change not in force after " + PATIENCE);
            }
            Thread.sleep(100);
        }
    }

    private static org.smimed.api.v1.SignResponse sign() {
        return SigningServiceGrpc.newBlockingStub(late).withDeadlineAfter(30, TimeUnit.SECONDS)
                .sign(SignRequest.newBuilder().setIdentity(RSA)
                        .setContent(ByteString.copyFromUtf8("hello")).build());
    }

    /** The deployment's own service caller, granted by the default policy. */
    private static final class DefaultServiceStillWorks {
        static boolean sign(TestDeployment deployment) {
            return !SigningServiceGrpc.newBlockingStub(deployment.channel())
                    .sign(SignRequest.newBuilder().setIdentity(RSA)
                            .setContent(ByteString.copyFromUtf8("x")).build())
                    .getSignedData().isEmpty();
        }
    }
}
