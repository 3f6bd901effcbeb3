package org.smimed.daemon.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.smimed.daemon.testing.DaemonProcess;
import org.smimed.daemon.testing.DecryptCall;
import org.smimed.daemon.testing.OpenSsl;
import org.smimed.daemon.testing.SoftHsm;
import org.smimed.daemon.testing.TestClients;
import org.smimed.daemon.testing.TestDeployment;

/**
 * Memory stays bounded: 50 callers, each with its own client certificate, stream a message at
 * the size limit (1 MiB) at once to a daemon process running with {@code -Xmx128m}. Holding
 * them all would need about 5 × 50 MiB of heap; the global in-flight budget
 * (limits.maxInFlightBytes, 8 MiB) admits what fits and answers the rest RESOURCE_EXHAUSTED
 * (how many, if any, depends on the host's speed).
 * Every call ends in a correct plaintext or that refusal, the daemon stays up without an
 * OutOfMemoryError, and afterwards it answers a valid request correctly.
 */
class MemoryBoundIT {
    static final int CALLERS = 50;
    static final int LIMIT = 1024 * 1024;

    @TempDir
    static Path dir;

    @Test
    void fiftyCallersAtTheSizeLimit_stayWithinASmallHeap() throws Exception {
        SoftHsm.Token token = SoftHsm.createToken("mem");
        TestDeployment.provision(dir, token);
        Path config = TestDeployment.writeConfig(dir, token, LIMIT);
        TestDeployment.addConfig(config, """
                limits:
                  maxMessageBytes: %d
                  maxInFlightBytesPerCaller: %d
                  maxInFlightBytes: %d
                """.formatted(LIMIT, 2 * LIMIT, 8 * LIMIT));
        Files.writeString(dir.resolve("policy.yaml"), TestDeployment.DEFAULT_POLICY + """
                  - name: load
                    email: load@clients.example
                    decrypt: ["*"]
                """);
        byte[] plaintext = new byte[LIMIT - 4096];
        new Random(8).nextBytes(plaintext);
        byte[] message = OpenSsl.encrypt(dir, "-aes-256-gcm", plaintext,
                dir.resolve("pki/" + TestDeployment.RSA + ".crt"));
        assertThat(message.length).isBetween(LIMIT - 4096, LIMIT);

        try (DaemonProcess daemon = DaemonProcess.start(config,
                Path.of(System.getenv("SOFTHSM2_CONF")), List.of("-Xmx128m"))) {
            String target = "localhost:" + daemon.port();
            TestClients clients = TestClients.load(dir.resolve("pki"), target);
            List<ManagedChannel> channels = new ArrayList<>();
            for (int i = 0; i < CALLERS; i++) {
                channels.add(clients.channel(clients.issue("load " + i, "load@clients.example",
                        Duration.ofDays(1))));
            }
            ExecutorService pool = Executors.newFixedThreadPool(CALLERS);
            try {
                List<CompletableFuture<Status.Code>> calls = new ArrayList<>();
                for (ManagedChannel channel : channels) {
                    calls.add(CompletableFuture.supplyAsync(() -> call(channel, message,
                            plaintext), pool));
                }
                List<Status.Code> codes = calls.stream().map(CompletableFuture::join).toList();

                // Whether any call is refused depends on how fast the daemon drains the streams
                // (a fast host keeps the buffered total under the budget; CI saw all 50 pass),
                // so refusal is allowed, not required: InFlightBytesTest proves the global
                // budget and HostileInputIT the per-caller one over gRPC, deterministically.
                assertThat(codes).isSubsetOf(Status.Code.OK, Status.Code.RESOURCE_EXHAUSTED)
                        .contains(Status.Code.OK);
                assertThat(daemon.isAlive()).isTrue();
                assertThat(call(channels.get(0), message, plaintext)).isEqualTo(Status.Code.OK);
                assertThat(daemon.log()).doesNotContain("OutOfMemoryError");
            } finally {
                pool.shutdownNow();
                for (ManagedChannel c : channels) {
                    c.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
                }
            }
        }
    }

    private static Status.Code call(ManagedChannel channel, byte[] message, byte[] plaintext) {
        try {
            byte[] out = DecryptCall.decrypt(channel, null, message, 64 * 1024).plaintext();
            return java.util.Arrays.equals(out, plaintext) ? Status.Code.OK : Status.Code.DATA_LOSS;
        } catch (StatusRuntimeException e) {
            return e.getStatus().getCode();
        } catch (Exception e) {
            return Status.Code.UNKNOWN;
        }
    }
}
