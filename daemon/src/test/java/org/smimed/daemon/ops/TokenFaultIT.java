package org.smimed.daemon.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.smimed.client.Channels;
import org.smimed.daemon.cli.ExitCodes;
import org.smimed.daemon.health.TokenHealer;
import org.smimed.daemon.provision.DemoCertificateAuthority;
import org.smimed.daemon.testing.DaemonProcess;
import org.smimed.daemon.testing.Processes;
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
    private static Path ca;
    private static Path serverCert;
    private static Path serverKey;
    private static Path clientCert;
    private static Path clientKey;
    private static Path keyFile;
    private static Path certFile;
    private static X509Certificate certificate;

    @BeforeAll
    static void makePki() throws Exception {
        SecureRandom random = new SecureRandom();
        DemoCertificateAuthority authority = DemoCertificateAuthority.create("faults CA",
                new BouncyCastleProvider(), Clock.systemUTC(), random);
        ca = pem(dir.resolve("ca.crt"), authority.certificate());
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(2048, random);
        KeyPair identity = rsa.generateKeyPair();
        keyFile = pem(dir.resolve("identity.p8.pem"), new JcaPKCS8Generator(
                identity.getPrivate(), null));
        certificate = authority.issueSmime(identity.getPublic(), IDENTITY, true, true,
                Duration.ofDays(30));
        certFile = Files.write(dir.resolve("identity.der"), certificate.getEncoded());
        KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
        ec.initialize(256, random);
        KeyPair tls = ec.generateKeyPair();
        serverCert = pem(dir.resolve("server.crt"), authority.issueServer(tls.getPublic(),
                List.of("localhost"), Duration.ofDays(2)));
        serverKey = pem(dir.resolve("server.key"), new JcaPKCS8Generator(tls.getPrivate(), null));
        KeyPair client = ec.generateKeyPair();
        clientCert = pem(dir.resolve("client.crt"), authority.issueClient(client.getPublic(),
                "faults client", null, Duration.ofDays(2)));
        clientKey = pem(dir.resolve("client.key"), new JcaPKCS8Generator(client.getPrivate(),
                null));
        Files.writeString(dir.resolve("policy.yaml"), """
                callers:
                  - name: faults-client
                    subject: "CN=faults client,O=smimed demo"
                    sign: ["*"]
                """);
    }

    @Test
    void keyObjectsDeletedAndReCreated_callsAreUnavailableMeanwhile_thenServedAgain()
            throws Exception {
        Node node = Node.create(dir.resolve("recreate"));
        try (DaemonProcess daemon = DaemonProcess.start(node.config(), node.softHsmConf())) {
            ManagedChannel channel = channel(daemon);
            try {
                SigningLoop loop = SigningLoop.paced(channel, IDENTITY, certificate, 3, 100,
                        Duration.ofMillis(40));
                TokenLogoutHealingIT.await(Duration.ofSeconds(60), () -> loop.answered() >= 30);
                node.deleteIdentity();
                // Health reports the gap (the loop's failed calls and the probe both see it).
                TokenLogoutHealingIT.await(Duration.ofSeconds(15),
                        () -> health(channel) == ServingStatus.NOT_SERVING);
                // A call made while the keys are gone is refused as retryable, not answered.
                org.assertj.core.api.Assertions.assertThatThrownBy(() ->
                        org.smimed.api.v1.SigningServiceGrpc.newBlockingStub(channel)
                                .withDeadlineAfter(30, TimeUnit.SECONDS)
                                .sign(org.smimed.api.v1.SignRequest.newBuilder()
                                        .setIdentity(IDENTITY).setContent(
                                                com.google.protobuf.ByteString.copyFromUtf8("gap"))
                                        .build()))
                        .isInstanceOfSatisfying(StatusRuntimeException.class, e ->
                                assertThat(e.getStatus().getCode())
                                        .isEqualTo(io.grpc.Status.Code.UNAVAILABLE));
                node.importIdentity();
                TokenLogoutHealingIT.await(Duration.ofSeconds(15),
                        () -> health(channel) == ServingStatus.SERVING);
                SigningLoop.Outcome outcome = loop.finish();

                assertThat(outcome.wrong()).isEmpty();
                assertThat(outcome.verified() + outcome.unavailable()).isEqualTo(300);
                // How many loop calls fall into the gap depends on timing; each one that did
                // was UNAVAILABLE (counted above), never INTERNAL or a wrong signature.
                assertThat(SigningLoop.start(channel, IDENTITY, certificate, 1, 5).finish())
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
        try (DaemonProcess daemon = DaemonProcess.start(node.config(), node.softHsmConf())) {
            ManagedChannel channel = channel(daemon);
            try {
                SigningLoop loop = SigningLoop.paced(channel, IDENTITY, certificate, 2, 60,
                        Duration.ofMillis(40));
                TokenLogoutHealingIT.await(Duration.ofSeconds(60), () -> loop.answered() >= 20);
                // As root chmod 000 does not stop SoftHSM reading; a rename does.
                Path tokenDir;
                try (Stream<Path> tokens = Files.list(node.tokens())) {
                    tokenDir = tokens.filter(Files::isDirectory).findFirst().orElseThrow();
                }
                Files.move(tokenDir, node.tokens().resolveSibling("moved-away"));
                TokenLogoutHealingIT.await(Duration.ofSeconds(15),
                        () -> health(channel) == ServingStatus.NOT_SERVING);

                int exit = daemon.awaitExit(Duration.ofSeconds(
                        TokenHealer.GIVE_UP_AFTER_PROBES * PROBE_SECONDS + 60));
                SigningLoop.Outcome outcome = loop.finish();

                assertThat(exit).as(daemon.log()).isEqualTo(ExitCodes.TOKEN_LOST);
                assertThat(daemon.log()).contains("smimed: token: token 'node' has been ")
                        .contains("exiting so that a supervisor restarts the daemon");
                assertThat(outcome.wrong()).isEmpty();
                assertThat(outcome.verified() + outcome.unavailable()).isEqualTo(120);
                assertThat(outcome.unavailable()).isPositive();
            } finally {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
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
        return Channels.tls("localhost:" + daemon.port(), ca, clientCert, clientKey);
    }

    private static Path pem(Path file, Object object) throws Exception {
        try (Writer w = Files.newBufferedWriter(file); JcaPEMWriter pem = new JcaPEMWriter(w)) {
            pem.writeObject(object);
        }
        return file;
    }

    /** One daemon's token directory, SoftHSM2 config, PIN and smimed config. */
    private record Node(Path dir, Path softHsmConf, Path config, String pin) {
        static Node create(Path dir) throws Exception {
            Path tokens = Files.createDirectories(dir.resolve("tokens"));
            Path conf = Files.writeString(dir.resolve("softhsm2.conf"), "directories.tokendir = "
                    + tokens + "\nobjectstore.backend = file\nlog.level = ERROR\n");
            String pin = HexFormat.of().formatHex(new SecureRandom().generateSeed(6));
            Path pinFile = Files.writeString(dir.resolve("user.pin"), pin);
            Files.setPosixFilePermissions(pinFile, PosixFilePermissions.fromString("rw-------"));
            Path config = Files.writeString(dir.resolve("smimed.yaml"), """
                    listen: {address: 127.0.0.1, port: 0}
                    tls: {certificateChain: %s, privateKey: %s, clientCaCertificates: %s}
                    token: {library: %s, label: node, pin: {file: user.pin}}
                    policy: {file: %s}
                    audit: {file: audit.log}
                    operations: {probeIntervalSeconds: %d, drainSeconds: 5}
                    """.formatted(serverCert, serverKey, ca, SoftHsm.LIBRARY,
                    TokenFaultIT.dir.resolve("policy.yaml"), PROBE_SECONDS));
            Node node = new Node(dir, conf, config, pin);
            node.tool(List.of("softhsm2-util", "--init-token", "--free", "--label", "node",
                    "--pin", pin, "--so-pin", pin + "so"));
            node.importIdentity();
            return node;
        }

        Path tokens() {
            return dir.resolve("tokens");
        }

        /** The same key material, CKA_ID and label each time, as an HSM restore would give. */
        void importIdentity() throws Exception {
            tool(List.of("softhsm2-util", "--import", keyFile.toString(), "--token", "node",
                    "--label", LABEL, "--id", ID, "--pin", pin));
            tool(List.of("pkcs11-tool", "--module", SoftHsm.LIBRARY.toString(), "--token-label",
                    "node", "--login", "--pin", pin, "--write-object", certFile.toString(),
                    "--type", "cert", "--id", ID, "--label", LABEL));
        }

        /** Another process deletes the identity's private key, public key and certificate. */
        void deleteIdentity() throws Exception {
            for (String type : List.of("privkey", "pubkey", "cert")) {
                tool(List.of("pkcs11-tool", "--module", SoftHsm.LIBRARY.toString(),
                        "--token-label", "node", "--login", "--pin", pin, "--delete-object",
                        "--type", type, "--id", ID));
            }
        }

        private void tool(List<String> command) throws Exception {
            Processes.check(command, dir, Map.of("SOFTHSM2_CONF", softHsmConf.toString()));
        }
    }
}
