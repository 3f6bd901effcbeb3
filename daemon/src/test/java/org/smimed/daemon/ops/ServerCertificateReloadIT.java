package org.smimed.daemon.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
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
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
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
import org.smimed.daemon.testing.TestDeployment;
import org.smimed.daemon.tls.ServerCertificate;

/**
 * A renewed TLS server certificate over real TLS: once the files are replaced (here by a
 * rename, as certbot and cert-manager do) and looked at, a new connection gets the new
 * certificate while the connection made before keeps working; a replacement that does not go
 * together is refused and the certificate in use goes on serving.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ServerCertificateReloadIT {
    @TempDir
    static Path dir;
    private static final List<String> LOG = new CopyOnWriteArrayList<>();
    private static final Logger LOGGER = Logger.getLogger(ServerCertificate.class.getName());
    private static final Handler CAPTURE = new Handler() {
        @Override
        public void publish(LogRecord record) {
            LOG.add(record.getLevel() + " " + record.getMessage());
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };
    private static TestDeployment deployment;
    private static DemoCertificateAuthority ca;
    /** The serial number of the certificate the daemon should now be serving. */
    private static BigInteger served;

    @BeforeAll
    static void start() throws Exception {
        LOGGER.addHandler(CAPTURE);
        deployment = TestDeployment.start(dir);
        ca = DemoCertificateAuthority.load(pki("ca.crt"), pki("ca.key"),
                new BouncyCastleProvider(), Clock.systemUTC(), new SecureRandom());
        served = leafOf(pki("server.crt")).getSerialNumber();
    }

    @AfterAll
    static void stop() throws Exception {
        LOGGER.removeHandler(CAPTURE);
        deployment.close();
    }

    @Test
    @Order(1)
    void unchangedFiles_areLeftAlone() throws Exception {
        assertThat(deployment.daemon().reloadServerCertificates())
                .containsExactly(ServerCertificate.Outcome.UNCHANGED);
        assertThat(serialSeenByANewConnection()).isEqualTo(served);
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
                .containsExactly(ServerCertificate.Outcome.REPLACED);

        assertThat(serialSeenByANewConnection()).isEqualTo(certificate.getSerialNumber())
                .isNotEqualTo(served);
        assertThat(listIdentities(deployment.channel())).isEqualTo(2);
        assertThat(clientGaugeDays()).isBetween(9.0, 10.0);
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
                .containsExactly(ServerCertificate.Outcome.REFUSED);

        assertThat(serialSeenByANewConnection()).isEqualTo(served);
        assertThat(LOG).anySatisfy(line -> assertThat(line)
                .startsWith("SEVERE TLS server certificate files changed but were refused,"
                        + " still serving")
                .contains(served.toString(16))
                .contains("not the key of the first certificate in tls.certificateChain"));
        // Refused once: the same files are not read again until they change.
        assertThat(deployment.daemon().reloadServerCertificates())
                .containsExactly(ServerCertificate.Outcome.UNCHANGED);
    }

    @Test
    @Order(4)
    void unreadableChain_isRefused_andTheCertificateInUseGoesOnServing() throws Exception {
        Files.writeString(pki("server.crt"), "not a certificate\n");

        assertThat(deployment.daemon().reloadServerCertificates())
                .containsExactly(ServerCertificate.Outcome.REFUSED);

        assertThat(serialSeenByANewConnection()).isEqualTo(served);
        assertThat(clientGaugeDays()).isBetween(9.0, 10.0);
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
        ChannelCredentials credentials = TlsChannelCredentials.newBuilder()
                .trustManager(trust)
                .keyManager(pki("client.crt").toFile(), pki("client.key").toFile())
                .build();
        ManagedChannel channel = Grpc.newChannelBuilder("localhost:"
                + deployment.daemon().port(), credentials).build();
        try {
            assertThat(listIdentities(channel)).isEqualTo(2);
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        return trust.leaf.get().getSerialNumber();
    }

    private static int listIdentities(ManagedChannel channel) {
        return DirectoryServiceGrpc.newBlockingStub(channel)
                .listIdentities(ListIdentitiesRequest.getDefaultInstance())
                .getIdentitiesCount();
    }

    private static double clientGaugeDays() {
        Matcher days = Pattern.compile(
                "smimed_tls_certificate_expiry_days\\{listener=\"client\"} ([-0-9.]+)")
                .matcher(deployment.daemon().metrics().scrape());
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
