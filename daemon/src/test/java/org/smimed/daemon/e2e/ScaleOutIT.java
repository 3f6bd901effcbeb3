package org.smimed.daemon.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import java.io.Writer;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.smimed.client.Channels;
import org.smimed.client.HashAlgorithm;
import org.smimed.client.SigningRequest;
import org.smimed.client.SmimeClient;
import org.smimed.daemon.provision.DemoCertificateAuthority;
import org.smimed.daemon.testing.DaemonProcess;
import org.smimed.daemon.testing.Processes;
import org.smimed.daemon.testing.SoftHsm;

/**
 * Scale-out through gRPC itself: three daemons, each with its own SoftHSM2 token holding the
 * same imported identity (standing in for an HSM cluster), behind one client-stub channel. One
 * daemon is killed (SIGKILL) during a signing loop; the client sees no failed call.
 */
class ScaleOutIT {
    private static final String IDENTITY = "cluster@smimed.example";
    private static final int CALLS = 2400;

    @TempDir
    static Path dir;
    private static final List<DaemonProcess> daemons = new ArrayList<>();
    private static Path ca;
    private static Path clientCert;
    private static Path clientKey;

    @BeforeAll
    static void startThreeDaemons() throws Exception {
        SecureRandom random = new SecureRandom();
        var bc = new BouncyCastleProvider();
        DemoCertificateAuthority authority = DemoCertificateAuthority.create("cluster CA", bc,
                Clock.systemUTC(), random);
        ca = pem(dir.resolve("ca.crt"), authority.certificate());
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(2048, random);
        KeyPair identityKey = rsa.generateKeyPair();
        Path keyFile = pem(dir.resolve("identity.p8.pem"), new JcaPKCS8Generator(
                identityKey.getPrivate(), null));
        Path certFile = Files.write(dir.resolve("identity.der"), authority.issueSmime(
                identityKey.getPublic(), IDENTITY, true, true, Duration.ofDays(30)).getEncoded());
        KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
        ec.initialize(256, random);
        KeyPair tls = ec.generateKeyPair();
        Path serverCert = pem(dir.resolve("server.crt"), authority.issueServer(tls.getPublic(),
                List.of("localhost"), Duration.ofDays(2)));
        Path serverKey = pem(dir.resolve("server.key"), new JcaPKCS8Generator(tls.getPrivate(),
                null));
        KeyPair client = ec.generateKeyPair();
        clientCert = pem(dir.resolve("client.crt"), authority.issueClient(client.getPublic(),
                "cluster client", null, Duration.ofDays(2)));
        clientKey = pem(dir.resolve("client.key"), new JcaPKCS8Generator(client.getPrivate(),
                null));
        Files.writeString(dir.resolve("policy.yaml"), """
                callers:
                  - name: cluster-client
                    subject: "CN=cluster client,O=smimed demo"
                    sign: ["*"]
                """);
        for (int i = 0; i < 3; i++) {
            Path node = Files.createDirectories(dir.resolve("node" + i));
            Path conf = tokenWithImportedIdentity(node, keyFile, certFile);
            Path config = Files.writeString(node.resolve("smimed.yaml"), """
                    listen: {address: 127.0.0.1, port: 0}
                    tls: {certificateChain: %s, privateKey: %s, clientCaCertificates: %s}
                    token: {library: %s, label: node, pin: {file: user.pin}}
                    policy: {file: %s}
                    audit: {file: audit.log}
                    """.formatted(serverCert, serverKey, ca, SoftHsm.LIBRARY,
                    dir.resolve("policy.yaml")));
            daemons.add(DaemonProcess.start(config, conf));
        }
    }

    @AfterAll
    static void stop() throws Exception {
        for (DaemonProcess d : daemons) {
            d.close();
        }
    }

    @Test
    void killingOneDaemonDuringASigningLoop_losesNoCall() throws Exception {
        String targets = "localhost:" + daemons.get(0).port() + ",localhost:"
                + daemons.get(1).port() + ",localhost:" + daemons.get(2).port();
        Map<Integer, AtomicInteger> servedBy = new ConcurrentHashMap<>();
        ManagedChannel channel = Channels.tls(targets, ca, clientCert, clientKey);
        try {
            SmimeClient client = new SmimeClient(ClientInterceptors.intercept(channel,
                    new RecordServer(servedBy)), Duration.ofSeconds(20));
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(new byte[] {42});
            int failed = 0;
            for (int call = 0; call < CALLS; call++) {
                if (call == CALLS / 4) {
                    assertThat(servedBy.keySet()).as("balanced before the kill").hasSize(3);
                    daemons.get(0).kill();
                    servedBy.clear();
                }
                try {
                    client.sign(SigningRequest.ofDigest(IDENTITY, HashAlgorithm.SHA256, digest));
                } catch (Exception e) {
                    failed++;
                }
            }
            assertThat(failed).as("failed calls").isZero();
            assertThat(servedBy.keySet()).as("served after the kill").containsExactlyInAnyOrder(
                    daemons.get(1).port(), daemons.get(2).port());
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    /** Creates node's token and imports the identity's key and certificate with CLI tools. */
    private static Path tokenWithImportedIdentity(Path node, Path key, Path cert)
            throws Exception {
        Path tokens = Files.createDirectories(node.resolve("tokens"));
        Path conf = Files.writeString(node.resolve("softhsm2.conf"), "directories.tokendir = "
                + tokens + "\nobjectstore.backend = file\nlog.level = ERROR\n");
        String pin = HexFormat.of().formatHex(new SecureRandom().generateSeed(6));
        Path pinFile = Files.writeString(node.resolve("user.pin"), pin);
        Files.setPosixFilePermissions(pinFile, PosixFilePermissions.fromString("rw-------"));
        Map<String, String> env = Map.of("SOFTHSM2_CONF", conf.toString());
        String id = "c1a55e7e";
        String label = IDENTITY + "/v1";
        Processes.check(List.of("softhsm2-util", "--init-token", "--free", "--label", "node",
                "--pin", pin, "--so-pin", pin + "so"), node, env);
        Processes.check(List.of("softhsm2-util", "--import", key.toString(), "--token", "node",
                "--label", label, "--id", id, "--pin", pin), node, env);
        Processes.check(List.of("pkcs11-tool", "--module", SoftHsm.LIBRARY.toString(),
                "--token-label", "node", "--login", "--pin", pin, "--write-object",
                cert.toString(), "--type", "cert", "--id", id, "--label", label), node, env);
        return conf;
    }

    private static Path pem(Path file, Object object) throws Exception {
        try (Writer w = Files.newBufferedWriter(file); JcaPEMWriter pem = new JcaPEMWriter(w)) {
            pem.writeObject(object);
        }
        return file;
    }

    /** Counts which daemon (by port) answered each call. */
    private record RecordServer(Map<Integer, AtomicInteger> servedBy) implements ClientInterceptor {
        @Override
        public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method,
                                                     CallOptions options, Channel next) {
            return new ForwardingClientCall.SimpleForwardingClientCall<>(
                    next.newCall(method, options)) {
                @Override
                public void start(Listener<R> listener, Metadata headers) {
                    ClientCall<Q, R> call = this;
                    super.start(new ForwardingClientCallListener
                            .SimpleForwardingClientCallListener<>(listener) {
                        @Override
                        public void onHeaders(Metadata h) {
                            if (call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR)
                                    instanceof InetSocketAddress a) {
                                servedBy.computeIfAbsent(a.getPort(), p -> new AtomicInteger())
                                        .incrementAndGet();
                            }
                            super.onHeaders(h);
                        }
                    }, headers);
                }
            };
        }
    }
}
