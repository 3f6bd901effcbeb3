package org.smimed.daemon.testing;

import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.smimed.daemon.provision.DemoCertificateAuthority;

/**
 * A PKI made in files, outside any token, for daemons whose identity key is imported with the
 * SoftHSM2 tools as an HSM restore would put it there: a CA of its own, an RSA identity key
 * ({@code identity.p8.pem}) with its S/MIME certificate ({@code identity.der}), the server's
 * TLS certificate and key, and one client allowed to sign by {@code policy.yaml}.
 */
public record FilePki(Path ca, Path keyFile, Path certFile, X509Certificate certificate,
                      Path serverCert, Path serverKey, Path clientCert, Path clientKey,
                      Path policy) {

    /**
     * Writes it all into {@code dir}: the CA is "{@code name} CA", the client
     * "CN={@code name} client,O=smimed demo", the certificate's address {@code identity}.
     */
    public static FilePki create(Path dir, String name, String identity) throws Exception {
        SecureRandom random = new SecureRandom();
        DemoCertificateAuthority authority = DemoCertificateAuthority.create(name + " CA",
                new BouncyCastleProvider(), Clock.systemUTC(), random);
        Path ca = pem(dir.resolve("ca.crt"), authority.certificate());
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(2048, random);
        KeyPair identityKey = rsa.generateKeyPair();
        Path keyFile = pem(dir.resolve("identity.p8.pem"), new JcaPKCS8Generator(
                identityKey.getPrivate(), null));
        X509Certificate certificate = authority.issueSmime(identityKey.getPublic(), identity,
                true, true, Duration.ofDays(30));
        Path certFile = Files.write(dir.resolve("identity.der"), certificate.getEncoded());
        KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
        ec.initialize(256, random);
        KeyPair tls = ec.generateKeyPair();
        Path serverCert = pem(dir.resolve("server.crt"), authority.issueServer(tls.getPublic(),
                List.of("localhost"), Duration.ofDays(2)));
        Path serverKey = pem(dir.resolve("server.key"), new JcaPKCS8Generator(tls.getPrivate(),
                null));
        KeyPair client = ec.generateKeyPair();
        Path clientCert = pem(dir.resolve("client.crt"), authority.issueClient(
                client.getPublic(), name + " client", null, Duration.ofDays(2)));
        Path clientKey = pem(dir.resolve("client.key"), new JcaPKCS8Generator(
                client.getPrivate(), null));
        Path policy = Files.writeString(dir.resolve("policy.yaml"), """
                callers:
                  - name: %s-client
                    subject: "CN=%s client,O=smimed demo"
                    sign: ["*"]
                """.formatted(name, name));
        return new FilePki(ca, keyFile, certFile, certificate, serverCert, serverKey,
                clientCert, clientKey, policy);
    }

    private static Path pem(Path file, Object object) throws Exception {
        try (Writer w = Files.newBufferedWriter(file); JcaPEMWriter pem = new JcaPEMWriter(w)) {
            pem.writeObject(object);
        }
        return file;
    }
}
