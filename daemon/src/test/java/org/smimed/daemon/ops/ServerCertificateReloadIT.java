package org.smimed.daemon.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import java.math.BigInteger;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.smimed.api.v1.DirectoryServiceGrpc;
import org.smimed.api.v1.ListIdentitiesRequest;
import org.smimed.daemon.provision.DemoCertificateAuthority;
import org.smimed.daemon.testing.LogCapture;
import org.smimed.daemon.testing.TestDeployment;
import org.smimed.daemon.tls.ServerCertificate;

/**
 * A renewed TLS server certificate over real TLS: once the files are replaced (here by a
 * rename, as certbot and cert-manager do) and looked at, a new connection gets the new
 * certificate while the connection made before keeps working; a replacement that does not go
 * together is refused and the certificate in use goes on serving. The admin listener has a
 * certificate of its own, from a CA of its own, renewed on its own.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ServerCertificateReloadIT {
    @TempDir
    static Path dir;
    /** The daemon's loggers: the reload's own, and the expiry watch's warning. */
    private static LogCapture log;
    private static TestDeployment deployment;
    private static DemoCertificateAuthority ca;
    private static DemoCertificateAuthority adminCa;
    /** The serial number of the certificate the daemon should now be serving. */
    private static BigInteger served;

    @BeforeAll
    static void start() throws Exception {
        log = LogCapture.ofPackage("org.smimed.daemon");
        Files.createDirectories(dir.resolve("admin-pki"));
        adminCa = DemoCertificateAuthority.create("admin listener CA",
                new BouncyCastleProvider(), Clock.systemUTC(), new SecureRandom());
        adminCa.save(adminPki("ca.crt"), adminPki("ca.key"));
        writeAdminPair(Duration.ofDays(40));
        deployment = TestDeployment.start(dir, List.of(), """
                admin:
                  listen: {address: 127.0.0.1, port: 0}
                  tls: {certificateChain: admin-pki/admin.crt, privateKey: admin-pki/admin.key}
                """);
        ca = DemoCertificateAuthority.load(pki("ca.crt"), pki("ca.key"),
                new BouncyCastleProvider(), Clock.systemUTC(), new SecureRandom());
        served = leafOf(pki("server.crt")).getSerialNumber();
    }

    @AfterAll
    static void stop() throws Exception {
        log.close();
        deployment.close();
    }

    @Test
    @Order(1)
    void unchangedFiles_areLeftAlone() throws Exception {
        assertThat(deployment.daemon().reloadServerCertificates())
                .containsExactly(ServerCertificate.Outcome.UNCHANGED,
                        ServerCertificate.Outcome.UNCHANGED);
        assertThat(serialSeenByANewConnection()).isEqualTo(served);
        assertThat(reloads("replaced")).isZero();
        assertThat(reloads("refused")).isZero();
    }

    @Test
    @Order(1)
    void gauge_hasASeriesPerListener() {
        assertThat(gaugeDays("client")).isBetween(824.0, 825.0);
        assertThat(gaugeDays("admin")).isBetween(39.0, 40.0);
    }

    @Test
    @Order(2)
    void renewedCertificate_servesNewConnections_andTheOldConnectionGoesOn() throws Exception {
        assertThat(listIdentities(deployment.channel())).isEqualTo(2); // connected before
        KeyPair renewed = ecKeyPair();
        X509Certificate certificate = ca.issueServer(renewed.getPublic(), List.of("localhost"),
                Duration.ofDays(10));
        replace(renewed, certificate);

        assertThat(deployment.daemon().reloadServerCertificates())
                .containsExactly(ServerCertificate.Outcome.REPLACED,
                        ServerCertificate.Outcome.UNCHANGED);

        assertThat(serialSeenByANewConnection()).isEqualTo(certificate.getSerialNumber())
                .isNotEqualTo(served);
        assertThat(listIdentities(deployment.channel())).isEqualTo(2);
        assertThat(clientGaugeDays()).isBetween(9.0, 10.0);
        assertThat(reloads("replaced")).isEqualTo(1.0);
        // Ten days is within the warning window (30): said now, not at tomorrow's check.
        assertThat(log.lines()).anySatisfy(line -> assertThat(line)
                .startsWith("WARNING TLS server certificate of the client listener")
                .contains("serial " + certificate.getSerialNumber().toString(16)
                        + ") expires in 9 days"));
        served = certificate.getSerialNumber();
    }

    @Test
    @Order(3)
    void keyOfAnotherCertificate_isRefused_andTheCertificateInUseGoesOnServing()
            throws Exception {
        X509Certificate certificate = ca.issueServer(ecKeyPair().getPublic(),
                List.of("localhost"), Duration.ofDays(90));
        replace(ecKeyPair(), certificate);

        assertThat(deployment.daemon().reloadServerCertificates())
                .containsExactly(ServerCertificate.Outcome.REFUSED,
                        ServerCertificate.Outcome.UNCHANGED);

        assertThat(serialSeenByANewConnection()).isEqualTo(served);
        assertThat(log.lines()).anySatisfy(line -> assertThat(line)
                .startsWith("SEVERE TLS server certificate files changed but were refused,"
                        + " still serving")
                .contains(served.toString(16))
                .contains("not the key of the first certificate in tls.certificateChain"));
        // Refused once: the same files are not read again until they change.
        assertThat(deployment.daemon().reloadServerCertificates())
                .containsExactly(ServerCertificate.Outcome.UNCHANGED,
                        ServerCertificate.Outcome.UNCHANGED);
    }

    /** Found by an operator trial: an expired pair replaced a valid one, and no client got in. */
    @Test
    @Order(3)
    void expiredCertificate_isRefused_andTheCertificateInUseGoesOnServing() throws Exception {
        DemoCertificateAuthority lastYear = DemoCertificateAuthority.load(pki("ca.crt"),
                pki("ca.key"), new BouncyCastleProvider(), Clock.fixed(
                        java.time.Instant.now().minus(Duration.ofDays(365)),
                        java.time.ZoneOffset.UTC), new SecureRandom());
        KeyPair key = ecKeyPair();
        replace(key, lastYear.issueServer(key.getPublic(), List.of("localhost"),
                Duration.ofDays(30)));

        assertThat(deployment.daemon().reloadServerCertificates())
                .containsExactly(ServerCertificate.Outcome.REFUSED,
                        ServerCertificate.Outcome.UNCHANGED);

        assertThat(serialSeenByANewConnection()).isEqualTo(served);
        assertThat(log.lines()).anySatisfy(line -> assertThat(line)
                .startsWith("SEVERE TLS server certificate files changed but were refused,")
                .contains("is not valid now"));
    }

    @Test
    @Order(4)
    void unreadableChain_isRefused_andTheCertificateInUseGoesOnServing() throws Exception {
        Files.writeString(pki("server.crt"), "not a certificate\n");

        assertThat(deployment.daemon().reloadServerCertificates())
                .containsExactly(ServerCertificate.Outcome.REFUSED,
                        ServerCertificate.Outcome.UNCHANGED);

        assertThat(serialSeenByANewConnection()).isEqualTo(served);
        assertThat(clientGaugeDays()).isBetween(9.0, 10.0);
        assertThat(reloads("refused")).as("this, the other key's and the expired one")
                .isEqualTo(3.0);
        assertThat(reloads("replaced")).isEqualTo(1.0);
    }

    @Test
    @Order(5)
    void renewedAdminCertificate_servesTheAdminListenerOnly() throws Exception {
        BigInteger before = serialSeenOnTheAdminListener();
        X509Certificate renewed = writeAdminPair(Duration.ofDays(60));

        assertThat(deployment.daemon().reloadServerCertificates())
                .containsExactly(ServerCertificate.Outcome.UNCHANGED,
                        ServerCertificate.Outcome.REPLACED);

        assertThat(serialSeenOnTheAdminListener()).isEqualTo(renewed.getSerialNumber())
                .isNotEqualTo(before);
        assertThat(gaugeDays("admin")).isBetween(59.0, 60.0);
        assertThat(serialSeenByANewConnection()).isEqualTo(served);
    }

    /** Issues a new admin listener certificate from its CA and writes the pair in place. */
    private static X509Certificate writeAdminPair(Duration validity) throws Exception {
        KeyPair key = ecKeyPair();
        X509Certificate certificate = adminCa.issueServer(key.getPublic(),
                List.of("localhost"), validity);
        DemoCertificateAuthority.Pem.writePrivate(adminPki("admin.key"), key.getPrivate());
        DemoCertificateAuthority.Pem.write(adminPki("admin.crt"), certificate,
                adminCa.certificate());
        return certificate;
    }

    /**
     * The serial the admin listener presents to a new connection; the call itself is refused
     * (the demo client is no officer, and the admin listener serves no directory), which is
     * after the handshake and does not matter here.
     */
    private static BigInteger serialSeenOnTheAdminListener() throws Exception {
        RecordingTrust trust = new RecordingTrust(adminPki("ca.crt"));
        ManagedChannel channel = channel(trust, deployment.daemon().adminPort());
        try {
            listIdentities(channel);
        } catch (StatusRuntimeException e) {
            assertThat(e.getStatus().getCode()).isNotEqualTo(Status.Code.UNAVAILABLE);
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        return trust.leaf.get().getSerialNumber();
    }

    private static Path adminPki(String name) {
        return dir.resolve("admin-pki").resolve(name);
    }

    /** Writes the pair beside the live files and renames it over them, key first. */
    private static void replace(KeyPair key, X509Certificate certificate) throws Exception {
        Path newKey = pki("server.key.new");
        Path newChain = pki("server.crt.new");
        DemoCertificateAuthority.Pem.writePrivate(newKey, key.getPrivate());
        DemoCertificateAuthority.Pem.write(newChain, certificate, ca.certificate());
        Files.move(newKey, pki("server.key"), StandardCopyOption.REPLACE_EXISTING,
                StandardCopyOption.ATOMIC_MOVE);
        Files.move(newChain, pki("server.crt"), StandardCopyOption.REPLACE_EXISTING,
                StandardCopyOption.ATOMIC_MOVE);
    }

    /** Connects anew (a handshake of its own) and returns the serial the server presented. */
    private static BigInteger serialSeenByANewConnection() throws Exception {
        RecordingTrust trust = new RecordingTrust(pki("ca.crt"));
        ManagedChannel channel = channel(trust, deployment.daemon().port());
        try {
            assertThat(listIdentities(channel)).isEqualTo(2);
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        return trust.leaf.get().getSerialNumber();
    }

    /** A channel of its own to {@code port}, as the demo client, trusting as {@code trust}. */
    private static ManagedChannel channel(RecordingTrust trust, int port) throws Exception {
        ChannelCredentials credentials = TlsChannelCredentials.newBuilder()
                .trustManager(trust)
                .keyManager(pki("client.crt").toFile(), pki("client.key").toFile())
                .build();
        return Grpc.newChannelBuilder("localhost:" + port, credentials).build();
    }

    private static int listIdentities(ManagedChannel channel) {
        return DirectoryServiceGrpc.newBlockingStub(channel)
                .listIdentities(ListIdentitiesRequest.getDefaultInstance())
                .getIdentitiesCount();
    }

    /** smimed_tls_certificate_reloads_total{outcome}, as scraped now. */
    private static double reloads(String outcome) {
        Matcher count = Pattern.compile("smimed_tls_certificate_reloads_total\\{outcome=\""
                + outcome + "\"} ([0-9.]+)").matcher(deployment.daemon().metrics().scrape());
        assertThat(count.find()).isTrue();
        return Double.parseDouble(count.group(1));
    }

    private static double clientGaugeDays() {
        return gaugeDays("client");
    }

    private static double gaugeDays(String listener) {
        Matcher days = Pattern.compile("smimed_tls_certificate_expiry_days\\{listener=\""
                + listener + "\"} ([-0-9.]+)").matcher(deployment.daemon().metrics().scrape());
        assertThat(days.find()).isTrue();
        return Double.parseDouble(days.group(1));
    }

    private static KeyPair ecKeyPair() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(256);
        return generator.generateKeyPair();
    }

    private static X509Certificate leafOf(Path chain) throws Exception {
        try (var in = Files.newInputStream(chain)) {
            return (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(in);
        }
    }

    private static Path pki(String name) {
        return dir.resolve("pki").resolve(name);
    }

    /** Trusts the demo CA as usual, and keeps the server certificate it was shown. */
    private static final class RecordingTrust extends X509ExtendedTrustManager {
        private final X509ExtendedTrustManager pkix;
        private final AtomicReference<X509Certificate> leaf = new AtomicReference<>();

        RecordingTrust(Path caFile) throws Exception {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setCertificateEntry("ca", leafOf(caFile));
            TrustManagerFactory factory = TrustManagerFactory.getInstance("PKIX");
            factory.init(store);
            pkix = (X509ExtendedTrustManager) factory.getTrustManagers()[0];
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType,
                                       SSLEngine engine) throws CertificateException {
            leaf.set(chain[0]);
            pkix.checkServerTrusted(chain, authType, engine);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            leaf.set(chain[0]);
            pkix.checkServerTrusted(chain, authType, socket);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType)
                throws CertificateException {
            leaf.set(chain[0]);
            pkix.checkServerTrusted(chain, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType,
                                       SSLEngine engine) throws CertificateException {
            throw new CertificateException("a client's trust only");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            throw new CertificateException("a client's trust only");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType)
                throws CertificateException {
            throw new CertificateException("a client's trust only");
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return pkix.getAcceptedIssuers();
        }
    }
}
