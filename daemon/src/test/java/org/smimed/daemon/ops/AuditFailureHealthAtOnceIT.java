package org.smimed.daemon.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.smimed.daemon.ops.AuditFailureHealthIT.health;
import static org.smimed.daemon.ops.AuditFailureHealthIT.refusedForTheAuditLog;
import static org.smimed.daemon.ops.AuditFailureHealthIT.replaceAuditFile;
import static org.smimed.daemon.ops.AuditFailureHealthIT.sign;

import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.smimed.daemon.testing.TestDeployment;

/** Its own class: SoftHSM2 sees the tokens that existed when a JVM first loaded it. */
class AuditFailureHealthAtOnceIT {
    @TempDir
    Path dir;

    /**
     * With probes an hour apart, only the audit log's own failure can change health: the
     * replica leaves rotation at once, not up to a probe interval later while it refuses
     * every call (found by a review).
     */
    @Test
    void auditFailure_healthIsNotServingAtOnce_notAtTheNextProbe() throws Exception {
        try (TestDeployment deployment = TestDeployment.start(dir, List.of(), """
                operations:
                  healthListen: {address: 127.0.0.1, port: 0}
                  probeIntervalSeconds: 3600
                """)) {
            ManagedChannel plain = Grpc.newChannelBuilderForAddress("127.0.0.1",
                    deployment.daemon().healthPort(), InsecureChannelCredentials.create()).build();
            try {
                sign(deployment.channel());
                assertThat(health(plain, "")).isEqualTo(ServingStatus.SERVING);
                replaceAuditFile(dir, deployment);
                TokenLogoutHealingIT.await(Duration.ofSeconds(10),
                        () -> refusedForTheAuditLog(deployment.channel()));

                TokenLogoutHealingIT.await(Duration.ofSeconds(5),
                        () -> health(plain, "") == ServingStatus.NOT_SERVING);
            } finally {
                plain.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }
}
