package org.smimed.daemon.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ManagedChannel;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import io.grpc.Status;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.smimed.client.DaemonLimits;
import org.smimed.client.SmimeClient;
import org.smimed.client.SmimeClientException;
import org.smimed.client.cli.CliIo;
import org.smimed.client.cli.SmimeCli;
import org.smimed.daemon.testing.AuditRecords;
import org.smimed.daemon.testing.TestClients;
import org.smimed.daemon.testing.TestDeployment;

/**
 * GetLimits over mutual TLS: each caller is told its own policy entry's limits and the
 * daemon's sizes, budgets and stream timeouts; a caller no entry admits is refused as it is
 * everywhere else; every call is audited.
 */
class GetLimitsIT {
    private static final int EIGHT_MIB = 8 * 1024 * 1024;

    @TempDir
    static Path dir;
    private static TestDeployment deployment;
    private static TestClients.Client limited;
    private static TestClients.Client stranger;

    @BeforeAll
    static void start() throws Exception {
        deployment = TestDeployment.start(dir, List.of(), """
                limits:
                  maxMessageBytes: %d
                  maxDecryptSeconds: 90
                """.formatted(EIGHT_MIB));
        TestClients clients = deployment.clients();
        limited = clients.issue("limited service", null, Duration.ofDays(1));
        stranger = clients.issue("stranger", null, Duration.ofDays(1));
        Files.writeString(deployment.policyFile(), TestDeployment.DEFAULT_POLICY + """
                  - name: limited
                    subject: "%s"
                    decrypt: ["*"]
                    maxConcurrent: 3
                    decryptsPerMinute: 40
                """.formatted(limited.subject()));
        assertThat(deployment.daemon().reloadPolicy()).isTrue();
    }

    @AfterAll
    static void stop() throws Exception {
        deployment.close();
    }

    @Test
    void aCallerWithoutPolicyLimits_isToldTheDaemonsSizesAndNoCallLimits() throws Exception {
        DaemonLimits limits = new SmimeClient(deployment.channel(), Duration.ofSeconds(30))
                .limits();

        assertThat(limits.maxConcurrentCalls()).isEmpty();
        assertThat(limits.decryptsPerMinute()).isEmpty();
        assertThat(limits.maxMessageBytes()).isEqualTo(EIGHT_MIB);
        // One unary request stays at gRPC's 4 MiB whatever maxMessageBytes allows.
        assertThat(limits.maxUnaryBytes()).isEqualTo(4 * 1024 * 1024);
        assertThat(limits.decryptMessageChargeBytes()).isEqualTo(4 * 1024 * 1024);
        // maxInFlightBytesPerCaller defaults to four times maxMessageBytes.
        assertThat(limits.maxInFlightBytes()).isEqualTo(4L * EIGHT_MIB);
        assertThat(limits.decryptMessagesAtOnce()).isEqualTo(8);
        assertThat(limits.maxBatchDigests()).isEqualTo(SigningGrpcService.MAX_BATCH);
        assertThat(limits.streamIdle()).hasSeconds(30);
        assertThat(limits.maxStreamDuration()).hasSeconds(90);
    }

    @Test
    void aLimitedCaller_isToldItsPolicyEntrysLimits() throws Exception {
        int before = limitedRecords().size();
        ManagedChannel channel = deployment.clients().channel(limited);
        try {
            DaemonLimits limits = new SmimeClient(channel, Duration.ofSeconds(30)).limits();

            assertThat(limits.maxConcurrentCalls()).isEqualTo(OptionalInt.of(3));
            assertThat(limits.decryptsPerMinute()).isEqualTo(OptionalInt.of(40));
            assertThat(limits.maxMessageBytes()).isEqualTo(EIGHT_MIB);
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        List<Map<String, String>> records = limitedRecords();
        assertThat(records).hasSize(before + 1);
        Map<String, String> record = records.get(records.size() - 1);
        assertThat(record.get("event")).isEqualTo("GET_LIMITS");
        assertThat(record.get("method")).isEqualTo("smimed.v1.DirectoryService/GetLimits");
        assertThat(record.get("outcome")).isEqualTo("OK");
    }

    private static List<Map<String, String>> limitedRecords() throws Exception {
        return AuditRecords.read(deployment.auditFile()).stream()
                .filter(r -> limited.subject().equals(r.get("caller"))).toList();
    }

    /** The same figures from the command line, named as the proto's fields. */
    @Test
    void smimeLimits_printsOneLinePerFigure_andExitsZero() {
        var out = new ByteArrayOutputStream();
        var err = new StringWriter();
        int exit = new SmimeCli(new CliIo(new ByteArrayInputStream(new byte[0]), out,
                new PrintWriter(err, true), Map.of(), Clock.systemUTC())).run("limits",
                "--target", "localhost:" + deployment.daemon().port(),
                "--ca", deployment.caCertificate().toString(),
                "--cert", limited.certificate().toString(), "--key", limited.key().toString());

        assertThat(exit).as(err.toString()).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8).lines()).containsExactly(
                "max_concurrent_calls: 3", "decrypts_per_minute: 40",
                "max_message_bytes: " + EIGHT_MIB, "max_unary_bytes: 4194304",
                "max_in_flight_bytes: " + 4L * EIGHT_MIB, "decrypt_message_charge_bytes: 4194304",
                "decrypt_messages_at_once: 8", "max_batch_digests: 1024",
                "stream_idle_seconds: 30", "max_stream_seconds: 90");
    }

    @Test
    void aCallerNoPolicyEntryAdmits_isRefusedSayingSo() throws Exception {
        ManagedChannel channel = deployment.clients().channel(stranger);
        try {
            assertThatThrownBy(() -> new SmimeClient(channel, Duration.ofSeconds(30)).limits())
                    .isInstanceOfSatisfying(SmimeClientException.class, e -> {
                        assertThat(e.code()).isEqualTo(Status.Code.PERMISSION_DENIED);
                        assertThat(e.description())
                                .startsWith("no policy entry admits this caller: ");
                    });
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }
}
