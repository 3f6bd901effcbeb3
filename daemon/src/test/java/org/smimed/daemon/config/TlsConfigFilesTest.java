package org.smimed.daemon.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.PKCS8Generator;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8EncryptorBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.smimed.daemon.testing.TlsFiles;

/**
 * The TLS files a config names are what their keys say, so check-config finds what serve
 * would refuse: PEM certificates and keys of their kind, a key matching its certificate, CA
 * certificates for clients.
 */
class TlsConfigFilesTest {
    @TempDir
    Path dir;

    /**
     * Found by an outside trial: a TLS file that exists but is not what its key says passed
     * check-config, and serve then exited 7 ("cannot start the gRPC server"), as if a port
     * were taken. Each is a problem naming the key, the path and the reason.
     */
    @Test
    void load_tlsFilesThatAreNotWhatTheirKeysSay_areProblemsNamingKeyPathAndReason()
            throws Exception {
        TlsFiles.write(dir.resolve("server.crt"), dir.resolve("server.key"));
        Files.writeString(dir.resolve("garbage.crt"), "not a certificate\n");
        Files.writeString(dir.resolve("empty.pem"), "");
        Path file = tlsConfig("swapped.yaml", """
                tls: {certificateChain: server.key, privateKey: server.crt,
                      clientCaCertificates: empty.pem}
                """, """
                admin:
                  tls: {certificateChain: garbage.crt, privateKey: garbage.crt}
                """);

        assertThatThrownBy(() -> new ConfigLoader().load(file))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems())
                        .containsExactlyInAnyOrder(
                                "tls.clientCaCertificates: " + dir.resolve("empty.pem")
                                        + ": no PEM certificate in it",
                                "tls.certificateChain: " + dir.resolve("server.key")
                                        + ": not PEM certificates",
                                "tls.privateKey: " + dir.resolve("server.crt")
                                        + ": not a PEM private key",
                                "admin.tls.certificateChain: " + dir.resolve("garbage.crt")
                                        + ": not PEM certificates",
                                "admin.tls.privateKey: " + dir.resolve("garbage.crt")
                                        + ": not a PEM private key"));
    }

    /**
     * Found by an outside trial: a client's own certificate as tls.clientCaCertificates passed
     * check-config, and every client would then be refused.
     */
    @Test
    void load_clientCaCertificatesThatIsNoCa_isAProblemSayingSo() throws Exception {
        var ca = org.smimed.daemon.provision.DemoCertificateAuthority.create("test CA",
                new org.bouncycastle.jce.provider.BouncyCastleProvider(),
                java.time.Clock.systemUTC(), new java.security.SecureRandom());
        var generator = java.security.KeyPairGenerator.getInstance("EC");
        generator.initialize(256);
        java.security.cert.X509Certificate client = ca.issueClient(
                generator.generateKeyPair().getPublic(), "a service", null,
                java.time.Duration.ofDays(1));

        assertRefusedAsClientCa(client, "'CN=a service,O=smimed demo' is not a CA certificate"
                + " (basicConstraints CA:FALSE)");
    }

    /** Found by an operator trial: a v3 leaf without basicConstraints passed as a CA. */
    @Test
    void load_clientCaCertificatesV3WithoutBasicConstraints_isAProblemSayingSo()
            throws Exception {
        var generator = java.security.KeyPairGenerator.getInstance("EC");
        generator.initialize(256);
        var pair = generator.generateKeyPair();
        var now = java.time.Instant.now();
        // Issued by a CA (its signature is not what is checked here), without extensions.
        java.security.cert.X509Certificate leaf = new org.bouncycastle.cert.jcajce
                .JcaX509CertificateConverter().getCertificate(new org.bouncycastle.cert.jcajce
                .JcaX509v3CertificateBuilder(new org.bouncycastle.asn1.x500.X500Name(
                        "CN=some CA"), java.math.BigInteger.TEN,
                        java.util.Date.from(now), java.util.Date.from(now.plusSeconds(86400)),
                        new org.bouncycastle.asn1.x500.X500Name("CN=plain leaf"),
                        pair.getPublic()).build(new org.bouncycastle.operator.jcajce
                        .JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate())));
        assertThat(leaf.getVersion()).isEqualTo(3);

        assertRefusedAsClientCa(leaf, "'CN=plain leaf' is not a CA certificate (issued by"
                + " another without basicConstraints CA:TRUE)");
    }

    /** {@code certificate} as tls.clientCaCertificates is the one problem, saying {@code why}. */
    private void assertRefusedAsClientCa(java.security.cert.X509Certificate certificate,
                                         String why) throws Exception {
        TlsFiles.write(dir.resolve("server.crt"), dir.resolve("server.key"));
        Path pem = dir.resolve("not-a-ca.crt");
        org.smimed.daemon.provision.DemoCertificateAuthority.Pem.write(pem, certificate);
        Path file = tlsConfig("not-a-ca.yaml", """
                tls: {certificateChain: server.crt, privateKey: server.key,
                      clientCaCertificates: not-a-ca.crt}
                """, "");

        assertThatThrownBy(() -> new ConfigLoader().load(file))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems())
                        .containsExactly("tls.clientCaCertificates: " + pem + ": " + why
                                + ": give the CA certificates that issue the clients'"
                                + " certificates"));
    }

    @Test
    void load_tlsKeyOfAnotherCertificate_isAProblemNamingBothFiles() throws Exception {
        TlsFiles.write(dir.resolve("server.crt"), dir.resolve("server.key"));
        TlsFiles.write(dir.resolve("other.crt"), dir.resolve("other.key"));
        Path file = tlsConfig("mismatch.yaml",
                "tls: {certificateChain: server.crt, privateKey: server.key}\n", """
                development: {anonymousCallers: true}
                admin:
                  tls: {certificateChain: server.crt, privateKey: other.key}
                """);

        assertThatThrownBy(() -> new ConfigLoader().load(file))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems())
                        .containsExactly("admin.tls.privateKey: " + dir.resolve("other.key")
                                + ": not the key of the first certificate in"
                                + " admin.tls.certificateChain " + dir.resolve("server.crt")));
    }

    @Test
    void load_encryptedTlsKey_isAProblemSayingSo() throws Exception {
        TlsFiles.write(dir.resolve("server.crt"), dir.resolve("server.key"));
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        try (JcaPEMWriter pem = new JcaPEMWriter(Files.newBufferedWriter(
                dir.resolve("encrypted.key")))) {
            pem.writeObject(new JcaPKCS8Generator(generator.generateKeyPair().getPrivate(),
                    new JceOpenSSLPKCS8EncryptorBuilder(PKCS8Generator.AES_256_CBC)
                            .setProvider(new BouncyCastleProvider())
                            .setPassword("secret".toCharArray()).build()));
        }
        Path file = tlsConfig("encrypted.yaml",
                "tls: {certificateChain: server.crt, privateKey: encrypted.key}\n",
                "development: {anonymousCallers: true}\n");

        assertThatThrownBy(() -> new ConfigLoader().load(file))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems())
                        .containsExactly("tls.privateKey: " + dir.resolve("encrypted.key")
                                + ": an encrypted private key; give it unencrypted (PKCS#8),"
                                + " mode 600"));
    }

    /**
     * Writes {@code name}: {@code tls}, a token library and policy file that exist, the audit
     * log, then {@code rest}.
     */
    private Path tlsConfig(String name, String tls, String rest) throws Exception {
        Files.writeString(dir.resolve("lib.so"), "x");
        Files.writeString(dir.resolve("p.yaml"), "x");
        return Files.writeString(dir.resolve(name), tls + """
                token: {library: lib.so, label: dev, pin: {env: PIN}}
                policy: {file: p.yaml}
                audit: {file: audit.log}
                """ + rest);
    }
}
