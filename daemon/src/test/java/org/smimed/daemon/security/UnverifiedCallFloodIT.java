package org.smimed.daemon.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.smimed.daemon.testing.TestDeployment.RSA;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.smimed.api.v1.SignRequest;
import org.smimed.api.v1.SigningServiceGrpc;
import org.smimed.client.Channels;
import org.smimed.client.admin.AuditVerifier;
import org.smimed.daemon.testing.AuditRecords;
import org.smimed.daemon.testing.TestDeployment;

/**
 * A peer without a client certificate calling as fast as it can: every call is refused, but
 * only a bounded number get a record each, and a later record counts the rest. Found by a
 * security review: one such connection wrote 20,000 records (16 MB) in ten seconds, and a
 * full audit log stops every call.
 */
class UnverifiedCallFloodIT {
    private static final int CALLS = 200;

    @TempDir
    static Path dir;
    private static TestDeployment deployment;

    @BeforeAll
    static void start() throws Exception {
        deployment = TestDeployment.start(dir);
    }

    @AfterAll
    static void stop() throws Exception {
        deployment.close();
    }

    @Test
    void refusalsPastTheBurst_areCounted_andTheNextRecordSaysHowMany() throws Exception {
        ManagedChannel channel = Channels.tls("localhost:" + deployment.daemon().port(),
                deployment.caCertificate());
        try {
            for (int i = 0; i < CALLS; i++) {
                assertUnauthenticated(channel);
            }
            int recorded = unverifiedRecords().size();
            // 60 at once, then one a second: the calls above take a few seconds at most.
            assertThat(recorded).isBetween(60, CALLS - 100);

            Thread.sleep(1_100); // more than a second: room for one more record
            assertUnauthenticated(channel);
            List<Map<String, String>> records = unverifiedRecords();
            assertThat(records).hasSize(recorded + 1);
            assertThat(records.get(recorded).get("detail")).startsWith("unrecorded=");
            // Each record counts the refusals since the one before it: together, all of them.
            assertThat(records.stream().mapToLong(r -> r.getOrDefault("detail", "")
                    .startsWith("unrecorded=") ? Long.parseLong(r.get("detail").substring(11))
                    : 0).sum()).isEqualTo(CALLS - recorded);
            assertThat(new AuditVerifier().verify(deployment.auditFile(), Optional.empty())
                    .problem()).isEmpty();
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    private static void assertUnauthenticated(ManagedChannel channel) {
        assertThatThrownBy(() -> SigningServiceGrpc.newBlockingStub(channel)
                .withDeadlineAfter(30, TimeUnit.SECONDS)
                .sign(SignRequest.newBuilder().setIdentity(RSA)
                        .setContent(ByteString.copyFromUtf8("hello")).build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(
                        e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
    }

    private static List<Map<String, String>> unverifiedRecords() throws Exception {
        return AuditRecords.read(deployment.auditFile()).stream()
                .filter(r -> "none".equals(r.get("caller"))).toList();
    }
}
