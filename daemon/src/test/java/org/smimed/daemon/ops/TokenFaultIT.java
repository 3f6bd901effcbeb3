package org.smimed.daemon.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.smimed.api.v1.SignRequest;
import org.smimed.api.v1.SigningServiceGrpc;
import org.smimed.client.Channels;
import org.smimed.daemon.cli.ExitCodes;
import org.smimed.daemon.health.TokenHealer;
import org.smimed.daemon.testing.DaemonProcess;
import org.smimed.daemon.testing.FilePki;
import org.smimed.daemon.testing.ImportedToken;
import org.smimed.daemon.testing.SoftHsm;

/**
 * Must show 1 (a) and (c): faults injected from outside into the token of a daemon that runs as
 * its own process ({@code smimed serve}) while a client signs in a loop. Every signature that
 * comes back is verified with Bouncy Castle against the identity's certificate; every other
 * answer must be UNAVAILABLE, never INTERNAL.
 */
class TokenFaultIT {
    private static final String IDENTITY = "faults@smimed.example";
    private static final String ID = "fa0175";
    private static final String LABEL = IDENTITY + "/v1";
    /** Gives up after 12 × 2 s: longer than any re-import on a loaded machine. */
    private static final int PROBE_SECONDS = 2;

    @TempDir
    static Path dir;
    private static FilePki pki;

    @BeforeAll
    static void makePki() throws Exception {
        pki = FilePki.create(dir, "faults", IDENTITY);
    }

    @Test
    void keyObjectsDeletedAndReCreated_callsAreUnavailableMeanwhile_thenServedAgain()
            throws Exception {
        Node node = Node.create(dir.resolve("recreate"));
        try (DaemonProcess daemon = DaemonProcess.start(node.config(),
                node.token().softHsmConf())) {
            ManagedChannel channel = channel(daemon);
            try {
                SigningLoop loop = SigningLoop.paced(channel, IDENTITY, pki.certificate(), 3, 100,
                        Duration.ofMillis(40));
                TokenLogoutHealingIT.await(Duration.ofSeconds(60), () -> loop.answered() >= 30);
                node.token().deleteIdentity();
                // Health reports the gap (the loop's failed calls and the probe both see it).
                await(daemon, Duration.ofSeconds(15),
                        () -> health(channel) == ServingStatus.NOT_SERVING);
                // A call made while the keys are gone is refused as retryable, not answered.
                assertThatThrownBy(() -> SigningServiceGrpc.newBlockingStub(channel)
                        .withDeadlineAfter(30, TimeUnit.SECONDS)
                        .sign(SignRequest.newBuilder().setIdentity(IDENTITY)
                                .setContent(ByteString.copyFromUtf8("gap")).build()))
                        .isInstanceOfSatisfying(StatusRuntimeException.class, e ->
                                assertThat(e.getStatus().getCode())
                                        .isEqualTo(Status.Code.UNAVAILABLE));
                node.token().importIdentity();
                // Healing takes a fraction of a second here; the wait is long only so that a
                // slow CI machine is not mistaken for a fault (the daemon gives up after
                // 12 probes = 24 s, and then this fails with its log).
                await(daemon, Duration.ofSeconds(30),
                        () -> health(channel) == ServingStatus.SERVING);
                SigningLoop.Outcome outcome = loop.finish();

                assertThat(outcome.wrong()).isEmpty();
                assertThat(outcome.verified() + outcome.unavailable()).isEqualTo(300);
                // How many loop calls fall into the gap depends on timing; each one that did
                // was UNAVAILABLE (counted above), never INTERNAL or a wrong signature.
                assertThat(SigningLoop.start(channel, IDENTITY, pki.certificate(), 1, 5).finish())
                        .isEqualTo(new SigningLoop.Outcome(5, 0, List.of()));
                assertThat(daemon.isAlive()).isTrue();
            } finally {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void tokenDirectoryRenamed_notServing_thenExitsWithTokenLost() throws Exception {
        Node node = Node.create(dir.resolve("vanish"));
        try (DaemonProcess daemon = DaemonProcess.start(node.config(),
                node.token().softHsmConf())) {
            ManagedChannel channel = channel(daemon);
            try {
                SigningLoop loop = SigningLoop.paced(channel, IDENTITY, pki.certificate(), 2, 60,
                        Duration.ofMillis(40));
                TokenLogoutHealingIT.await(Duration.ofSeconds(60), () -> loop.answered() >= 20);
                // As root chmod 000 does not stop SoftHSM reading; a rename does.
                Path tokenDir;
                try (Stream<Path> tokens = Files.list(node.token().tokens())) {
                    tokenDir = tokens.filter(Files::isDirectory).findFirst().orElseThrow();
                }
                Files.move(tokenDir, node.token().tokens().resolveSibling("moved-away"));
                await(daemon, Duration.ofSeconds(15),
                        () -> health(channel) == ServingStatus.NOT_SERVING);

                int exit = daemon.awaitExit(Duration.ofSeconds(
                        TokenHealer.GIVE_UP_AFTER_PROBES * PROBE_SECONDS + 60));
                SigningLoop.Outcome outcome = loop.finish();

                assertThat(exit).as(daemon.log()).isEqualTo(ExitCodes.TOKEN_LOST);
                assertThat(daemon.log()).contains("smimed: token: token 'node' has been ")
                        .contains("exiting so that a supervisor restarts the daemon");
                // An auditor reads why the run ended from the log itself.
                List<Map<String, String>> records = org.smimed.daemon.testing.AuditRecords
                        .read(node.config().resolveSibling("audit.log"));
                assertThat(records.get(records.size() - 1))
                        .containsEntry("event", "DAEMON_STOP")
                        .containsEntry("detail", "reason=token-lost");
                assertThat(outcome.wrong()).isEmpty();
                assertThat(outcome.verified() + outcome.unavailable()).isEqualTo(120);
                assertThat(outcome.unavailable()).isPositive();
            } finally {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    /** Waits for {@code condition}; on a timeout the failure carries the daemon's log. */
    private static void await(DaemonProcess daemon, Duration limit, BooleanSupplier condition)
            throws InterruptedException {
        try {
            TokenLogoutHealingIT.await(limit, condition);
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; daemon log:\n" + daemon.log(), e);
        }
    }

    private static ServingStatus health(ManagedChannel channel) {
        try {
            return HealthGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS)
                    .check(HealthCheckRequest.newBuilder()
                            .setService("smimed.v1.SigningService").build()).getStatus();
        } catch (StatusRuntimeException e) {
            return ServingStatus.UNKNOWN;
        }
    }

    private static ManagedChannel channel(DaemonProcess daemon) throws Exception {
        return Channels.tls("localhost:" + daemon.port(), pki.ca(), pki.clientCert(),
                pki.clientKey());
    }

    /** One daemon's token, with the identity imported, and its smimed config. */
    private record Node(ImportedToken token, Path config) {
        static Node create(Path dir) throws Exception {
            ImportedToken token = ImportedToken.create(dir, pki, ID, LABEL);
            Path config = Files.writeString(dir.resolve("smimed.yaml"), """
                    listen: {address: 127.0.0.1, port: 0}
                    tls: {certificateChain: %s, privateKey: %s, clientCaCertificates: %s}
                    token: {library: %s, label: node, pin: {file: user.pin}}
                    policy: {file: %s}
                    audit: {file: audit.log}
                    operations: {probeIntervalSeconds: %d, drainSeconds: 5}
                    """.formatted(pki.serverCert(), pki.serverKey(), pki.ca(), SoftHsm.LIBRARY,
                    pki.policy(), PROBE_SECONDS));
            return new Node(token, config);
        }
    }
}
