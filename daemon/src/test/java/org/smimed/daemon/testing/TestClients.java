package org.smimed.daemon.testing;

import io.grpc.ManagedChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.smimed.client.Channels;
import org.smimed.daemon.provision.DemoCertificateAuthority;

/**
 * Client certificates for tests, issued by a deployment's demo CA (or any other CA), written
 * as PEM (chain, PKCS#8 key) so that both the Java client and the CLI can use them.
 */
public final class TestClients {
    private final Path pki;
    private final String target;
    private final DemoCertificateAuthority ca;

    private TestClients(Path pki, String target, DemoCertificateAuthority ca) {
        this.pki = pki;
        this.target = target;
        this.ca = ca;
    }

    /** The issuer of a deployment whose PKI is in {@code pki}. */
    public static TestClients load(Path pki, String target) throws Exception {
        return new TestClients(pki, target, DemoCertificateAuthority.load(pki.resolve("ca.crt"),
                pki.resolve("ca.key"), new BouncyCastleProvider(), Clock.systemUTC(),
                new SecureRandom()));
    }

    /** The same deployment, but certificates issued as if at {@code clock}'s time. */
    public TestClients at(Clock clock) throws Exception {
        return new TestClients(pki, target, DemoCertificateAuthority.load(pki.resolve("ca.crt"),
                pki.resolve("ca.key"), new BouncyCastleProvider(), clock, new SecureRandom()));
    }

    /** A client certificate from an unrelated CA, written into {@code dir}. */
    public static Client foreign(Path dir, String commonName) throws Exception {
        Files.createDirectories(dir);
        var provider = new BouncyCastleProvider();
        var other = DemoCertificateAuthority.create("foreign CA", provider, Clock.systemUTC(),
                new SecureRandom());
        other.save(dir.resolve("ca.crt"), dir.resolve("ca.key"));
        return new TestClients(dir, null, other).issue(commonName, null, Duration.ofDays(1));
    }

    /** Certificate and key files of one caller; its subject is {@code CN=name,O=smimed demo}. */
    public record Client(String subject, Path certificate, Path key) {
        /** A mutual-TLS channel to {@code target} trusting {@code serverCa}. */
        public ManagedChannel channel(String target, Path serverCa) throws Exception {
            return Channels.tls(target, serverCa, certificate, key);
        }
    }

    /** Issues a client certificate valid for {@code validity} from the clock's now. */
    public Client issue(String commonName, String email, Duration validity) throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC",
                new BouncyCastleProvider());
        generator.initialize(256, new SecureRandom());
        KeyPair pair = generator.generateKeyPair();
        var cert = ca.issueClient(pair.getPublic(), commonName, email, validity);
        String file = commonName.replaceAll("[^A-Za-z0-9]", "-");
        Path certFile = pki.resolve(file + ".client.crt");
        Path keyFile = pki.resolve(file + ".client.key");
        DemoCertificateAuthority.Pem.write(certFile, cert, ca.certificate());
        DemoCertificateAuthority.Pem.writePrivate(keyFile, pair.getPrivate());
        return new Client("CN=" + commonName + ",O=smimed demo", certFile, keyFile);
    }

    /** A channel to this deployment presenting {@code client}. */
    public ManagedChannel channel(Client client) throws Exception {
        return client.channel(target, pki.resolve("ca.crt"));
    }
}
