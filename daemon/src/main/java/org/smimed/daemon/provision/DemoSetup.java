package org.smimed.daemon.provision;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Provider;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.smimed.daemon.token.KeyAlgorithm;
import org.smimed.daemon.token.KeyUsage;
import org.smimed.daemon.token.TokenException;

/**
 * Sets up a demo deployment in a directory: a demo CA, a TLS server certificate for localhost,
 * and one RSA and one EC identity whose keys are generated inside the token. Re-running it
 * keeps what already exists.
 *
 * <p>Files written: {@code ca.crt}, {@code ca.key} (the demo CA; its key is a file because it
 * stands in for the firm's CA, not for a signing key), {@code server.crt}, {@code server.key},
 * {@code IDENTITY.crt} for each identity (what senders encrypt to), and two TLS client
 * certificates with PKCS#8 keys for mutual TLS: {@code client.crt}/{@code client.key}
 * ({@link #CLIENT_SUBJECT}, a service) and {@code officer.crt}/{@code officer.key}
 * ({@link #OFFICER_SUBJECT}, a security officer).
 */
public final class DemoSetup {
    /** The demo identities. */
    public static final List<DemoIdentity> IDENTITIES = List.of(
            new DemoIdentity("rsa-demo@smimed.example", KeyAlgorithm.RSA_2048),
            new DemoIdentity("ec-demo@smimed.example", KeyAlgorithm.EC_P256));

    /** Subject of the demo service's client certificate (client.crt). */
    public static final String CLIENT_SUBJECT = "CN=smimed demo client,O=smimed demo";
    /** Subject of the demo security officer's client certificate (officer.crt). */
    public static final String OFFICER_SUBJECT = "CN=smimed demo officer,O=smimed demo";

    /** One demo identity and its key algorithm. */
    public record DemoIdentity(String email, KeyAlgorithm algorithm) {}

    private final Provider software;
    private final Clock clock;
    private final SecureRandom random;

    public DemoSetup(Provider software, Clock clock, SecureRandom random) {
        this.software = software;
        this.clock = clock;
        this.random = random;
    }

    /** Creates what is missing in {@code dir} and on the token; returns a line per action. */
    public List<String> run(Path dir, IdentityProvisioner provisioner, List<String> existing)
            throws IOException, GeneralSecurityException, TokenException {
        Files.createDirectories(dir);
        List<String> done = new ArrayList<>();
        DemoCertificateAuthority ca = ca(dir, done);
        if (!Files.exists(dir.resolve("server.crt"))) {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC", software);
            generator.initialize(256, random);
            KeyPair tls = generator.generateKeyPair();
            X509Certificate cert = ca.issueServer(tls.getPublic(), List.of("localhost"),
                    Duration.ofDays(825));
            DemoCertificateAuthority.Pem.write(dir.resolve("server.crt"), cert, ca.certificate());
            DemoCertificateAuthority.Pem.writePrivate(dir.resolve("server.key"), tls.getPrivate());
            done.add("TLS server certificate for localhost: " + dir.resolve("server.crt"));
        }
        client(dir, ca, "client", "smimed demo client", null, done);
        client(dir, ca, "officer", "smimed demo officer", "officer@smimed.example", done);
        for (DemoIdentity identity : IDENTITIES) {
            if (existing.contains(identity.email())) {
                Path certificate = dir.resolve(identity.email() + ".crt");
                // Made with another --dir: this directory's CA did not certify it, so nothing
                // here verifies its signatures (found by a CLI review: no word of it).
                done.add("identity " + identity.email() + " already on the token" + (
                        Files.exists(certificate) ? "" : ", made with another --dir: "
                                + dir.resolve("ca.crt") + " did not certify it and "
                                + certificate + " does not exist; use the --dir it was made"
                                + " with, or a new token"));
                continue;
            }
            IdentityProvisioner.Provisioned made = provisioner.provision(identity.email(),
                    identity.algorithm(), KeyUsage.BOTH, ca, Duration.ofDays(365));
            Path certFile = dir.resolve(identity.email() + ".crt");
            DemoCertificateAuthority.Pem.write(certFile, made.certificate());
            done.add("identity " + identity.email() + " (" + identity.algorithm()
                    + ", key generated in the token): certificate " + certFile);
        }
        return done;
    }

    /** Writes NAME.crt (leaf and CA) and NAME.key (PKCS#8) unless they exist. */
    private void client(Path dir, DemoCertificateAuthority ca, String name, String commonName,
                        String email, List<String> done)
            throws IOException, GeneralSecurityException {
        if (Files.exists(dir.resolve(name + ".crt"))) {
            return;
        }
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC", software);
        generator.initialize(256, random);
        KeyPair pair = generator.generateKeyPair();
        X509Certificate cert = ca.issueClient(pair.getPublic(), commonName, email,
                Duration.ofDays(825));
        DemoCertificateAuthority.Pem.write(dir.resolve(name + ".crt"), cert, ca.certificate());
        DemoCertificateAuthority.Pem.writePrivate(dir.resolve(name + ".key"), pair.getPrivate());
        done.add("TLS client certificate " + cert.getSubjectX500Principal().getName() + ": "
                + dir.resolve(name + ".crt"));
    }

    private DemoCertificateAuthority ca(Path dir, List<String> done)
            throws IOException, GeneralSecurityException {
        Path cert = dir.resolve("ca.crt");
        Path key = dir.resolve("ca.key");
        if (Files.exists(cert) && Files.exists(key)) {
            return DemoCertificateAuthority.load(cert, key, software, clock, random);
        }
        DemoCertificateAuthority ca = DemoCertificateAuthority.create("smimed demo CA", software,
                clock, random);
        ca.save(cert, key);
        done.add("demo CA: " + cert);
        return ca;
    }
}
