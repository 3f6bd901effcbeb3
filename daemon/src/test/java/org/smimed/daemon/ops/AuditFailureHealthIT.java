package org.smimed.daemon.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.smimed.api.v1.SignRequest;
import org.smimed.api.v1.SigningServiceGrpc;
import org.smimed.daemon.testing.LogCapture;
import org.smimed.daemon.testing.TestDeployment;

/**
 * Found by an operator trial: after the audit log failed (every call refused until restart),
 * health still said SERVING, so Kubernetes kept the pod in rotation and never restarted it.
 * Health must say NOT_SERVING, for the server and the services, and keep saying it.
 */
class AuditFailureHealthIT {
    private static final List<String> CHECKED = List.of("", "smimed.v1.SigningService",
            "smimed.v1.DecryptionService", "smimed.v1.DirectoryService");

    @TempDir
    Path dir;

    @Test
    void auditFileReplaced_healthIsNotServing_andStaysSo() throws Exception {
        try (LogCapture startup = LogCapture.of(org.smimed.daemon.Daemon.class);
             TestDeployment deployment = TestDeployment.start(dir, List.of(), """
                operations:
                  healthListen: {address: 127.0.0.1, port: 0}
                  probeIntervalSeconds: 1
                """)) {
            // Port 0: the port picked is in the log, for a probe to be pointed at it.
            assertThat(startup.messages()).contains("plaintext health checks on port "
                    + deployment.daemon().healthPort());
            ManagedChannel plain = Grpc.newChannelBuilderForAddress("127.0.0.1",
                    deployment.daemon().healthPort(), InsecureChannelCredentials.create()).build();
            try {
                sign(deployment.channel());
                for (String service : CHECKED) {
                    assertThat(health(plain, service)).as(service)
                            .isEqualTo(ServingStatus.SERVING);
                }
                replaceAuditFile(dir, deployment);
                // A call's record finds the file replaced (checked at most every 0.1 s).
                TokenLogoutHealingIT.await(Duration.ofSeconds(10),
                        () -> refusedForTheAuditLog(deployment.channel()));

                TokenLogoutHealingIT.await(Duration.ofSeconds(10),
                        () -> health(plain, "") == ServingStatus.NOT_SERVING);
                // Sticky: probes that find the token fine do not bring SERVING back (two of
                // them counted, not slept for: a test review).
                org.smimed.daemon.testing.HealthProbes.awaitMore(deployment.daemon(), 2,
                        Duration.ofSeconds(20));
                for (String service : CHECKED) {
                    assertThat(health(plain, service)).as("health port: " + service)
                            .isEqualTo(ServingStatus.NOT_SERVING);
                    // The client listener audits every call, health checks too, so there a
                    // check is refused as the calls are; either answer fails a probe.
                    assertThat(tlsHealth(deployment.channel(), service)).as("TLS: " + service)
                            .isIn("NOT_SERVING", "UNAVAILABLE: audit log unavailable; retry later");
                }
            } finally {
                plain.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    /** What an editor or sed -i does: a new file renamed over the old name. */
    static void replaceAuditFile(Path dir, TestDeployment deployment) throws Exception {
        Path audit = deployment.auditFile();
        Path edited = Files.writeString(dir.resolve("audit.log.tmp"),
                Files.readAllLines(audit).get(0) + "\n");
        Files.move(edited, audit, StandardCopyOption.REPLACE_EXISTING);
    }

    static boolean refusedForTheAuditLog(ManagedChannel channel) {
        try {
            sign(channel);
            return false;
        } catch (StatusRuntimeException e) {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
            assertThat(e.getStatus().getDescription())
                    .isEqualTo("audit log unavailable; retry later");
            return true;
        }
    }

    static void sign(ManagedChannel channel) {
        SigningServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
                .sign(SignRequest.newBuilder().setIdentity(TestDeployment.EC)
                        .setContent(ByteString.copyFromUtf8("audited")).build());
    }

    private static String tlsHealth(ManagedChannel channel, String service) {
        try {
            return health(channel, service).name();
        } catch (StatusRuntimeException e) {
            return e.getStatus().getCode() + ": " + e.getStatus().getDescription();
        }
    }

    static ServingStatus health(ManagedChannel channel, String service) {
        return HealthGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS)
                .check(HealthCheckRequest.newBuilder().setService(service).build())
                .getStatus();
    }
}
