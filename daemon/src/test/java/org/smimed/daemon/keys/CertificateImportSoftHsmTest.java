package org.smimed.daemon.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.smimed.daemon.provision.DemoCertificateAuthority;
import org.smimed.daemon.testing.OfficerCa;
import org.smimed.daemon.testing.Processes;
import org.smimed.daemon.testing.SoftHsm;
import org.smimed.daemon.token.KeyAlgorithm;
import org.smimed.daemon.token.Pkcs11Token;
import org.smimed.daemon.token.KeyUsage;

/**
 * Certificate chains an officer imports for a key generated in a real SoftHSM2 token, refused
 * with a message that says what to fix: another key's certificate, an expired one, a chain
 * whose links do not meet.
 */
class CertificateImportSoftHsmTest {
    @TempDir
    static Path dir;
    private static Pkcs11Token token;
    private static KeyAdministration admin;
    private static OfficerCa ca;

    @BeforeAll
    static void open() throws Exception {
        token = SoftHsm.createToken("import").login();
        admin = KeyAdministration.open(token, new SecureRandom(), Clock.systemUTC());
        ca = OfficerCa.create(Clock.systemUTC());
    }

    @Test
    void certificateForAnotherKey_isRefused() throws Exception {
        TokenVersion v = admin.generate("other@smimed.example", KeyAlgorithm.EC_P256,
                KeyUsage.SIGN);
        KeyPairGenerator software = KeyPairGenerator.getInstance("RSA");
        software.initialize(2048);
        X509Certificate foreign = ca.issue(software.generateKeyPair().getPublic(),
                "other@smimed.example", true, false, Duration.ofDays(30));

        assertThatThrownBy(() -> admin.importCertificateChain(v.name(), ca.chainPem(foreign)))
                .isInstanceOf(InvalidKeyRequestException.class)
                .hasMessage("the certificate's public key does not match the key of version "
                        + v.name() + " in the token");
    }

    /** Found by an officer trial: a file of the CA alone read as a key mismatch. */
    @Test
    void aChainOfTheCaAlone_saysTheVersionsCertificateIsMissing() throws Exception {
        TokenVersion v = admin.generate("ca-only@smimed.example", KeyAlgorithm.EC_P256,
                KeyUsage.SIGN);
        StringWriter out = new StringWriter();
        try (JcaPEMWriter pem = new JcaPEMWriter(out)) {
            pem.writeObject(ca.certificate());
        }

        assertThatThrownBy(() -> admin.importCertificateChain(v.name(),
                out.toString().getBytes(StandardCharsets.US_ASCII)))
                .isInstanceOf(InvalidKeyRequestException.class)
                .hasMessage("no certificate for version " + v.name() + ": the chain's first"
                        + " certificate, '" + ca.certificate().getSubjectX500Principal()
                        + "', is a CA certificate; give the version's own certificate, then"
                        + " its CAs'");
    }

    /** Found by an outside trial: "does not build" alone left the officer guessing. */
    @Test
    void chainWithAnotherCasRoot_isRefusedNamingTheBrokenLink() throws Exception {
        TokenVersion v = admin.generate("linked@smimed.example", KeyAlgorithm.EC_P256,
                KeyUsage.SIGN);
        X509Certificate cert = ca.issue(admin.createCsr(v.name(), "", ""),
                "linked@smimed.example", true, false, Duration.ofDays(30));
        OfficerCa other = OfficerCa.create(Clock.systemUTC());

        assertThatThrownBy(() -> admin.importCertificateChain(v.name(), other.chainPem(cert)))
                .isInstanceOf(InvalidKeyRequestException.class)
                .hasMessageStartingWith("the certificate chain does not build at certificate 1"
                        + " ('" + cert.getSubjectX500Principal() + "', issued by '"
                        + cert.getIssuerX500Principal() + "'): ");
    }

    /**
     * admin.certificateRoots: found by an outside trial, one officer attached a certificate
     * from a CA of their own making and took over the identity's signing and incoming mail.
     */
    @Test
    void withConfiguredRoots_aChainEndingElsewhere_isRefused() throws Exception {
        KeyAdministration strict = KeyAdministration.open(token, new SecureRandom(),
                Clock.systemUTC(), CertificateRoots.of(java.util.List.of(ca.certificate())));
        TokenVersion v = strict.generate("rooted@smimed.example", KeyAlgorithm.EC_P256,
                KeyUsage.SIGN);
        OfficerCa rogue = OfficerCa.create(Clock.systemUTC());
        X509Certificate forged = rogue.issue(strict.createCsr(v.name(), "", ""),
                "rooted@smimed.example", true, false, Duration.ofDays(30));

        assertThatThrownBy(() -> strict.importCertificateChain(v.name(), rogue.chainPem(forged)))
                .isInstanceOf(InvalidKeyRequestException.class)
                .hasMessage("the chain ends at '" + rogue.certificate().getSubjectX500Principal()
                        + "', and no CA certificate this daemon accepts certifies it"
                        + " (admin.certificateRoots: '" + ca.certificate()
                        .getSubjectX500Principal() + "')");

        // A PKCS#12 file is checked before dual control would hold it, not at the approval.
        byte[] p12 = java.nio.file.Files.readAllBytes(rogue.writePkcs12(
                dir.resolve("rogue.p12"), "migrated@smimed.example", "p12-pass"));
        assertThatThrownBy(() -> strict.checkPkcs12("migrated@smimed.example", p12,
                "p12-pass".toCharArray(), false)).isInstanceOf(InvalidKeyRequestException.class)
                .hasMessageContaining("no CA certificate this daemon accepts certifies it");

        X509Certificate genuine = ca.issue(strict.createCsr(v.name(), "", ""),
                "rooted@smimed.example", true, false, Duration.ofDays(30));
        assertThat(strict.importCertificateChain(v.name(), ca.chainPem(genuine)).chain())
                .hasSize(2);
    }

    /**
     * Found by an officer trial: a certificate imported before admin.certificateRoots was set
     * was activated afterwards, and signed.
     */
    @Test
    void withConfiguredRoots_aCertificateImportedBefore_isNotActivated() throws Exception {
        TokenVersion v = admin.generate("before@smimed.example", KeyAlgorithm.EC_P256,
                KeyUsage.SIGN);
        OfficerCa rogue = OfficerCa.create(Clock.systemUTC());
        X509Certificate other = rogue.issue(admin.createCsr(v.name(), "", ""),
                "before@smimed.example", true, false, Duration.ofDays(30));
        admin.importCertificateChain(v.name(), rogue.chainPem(other));

        KeyAdministration strict = KeyAdministration.open(token, new SecureRandom(),
                Clock.systemUTC(), CertificateRoots.of(java.util.List.of(ca.certificate())));
        assertThatThrownBy(() -> strict.activate(v.name()))
                .isInstanceOf(KeyStateException.class)
                .hasMessageStartingWith("cannot activate " + v.name() + ": the chain ends at '"
                        + rogue.certificate().getSubjectX500Principal() + "'");
        assertThatThrownBy(() -> strict.checkActivate(v.name()))
                .isInstanceOf(KeyStateException.class);
        assertThat(strict.list()).filteredOn(t -> t.name().equals(v.name()))
                .extracting(TokenVersion::state).containsExactly(KeyState.PENDING);
    }

    /** Found by an outside trial: told that only the certificate itself had been given. */
    @Test
    void leafWithAnUnrelatedRoot_isRefusedSayingNoneIssuedIt() throws Exception {
        TokenVersion v = admin.generate("unrelated@smimed.example", KeyAlgorithm.EC_P256,
                KeyUsage.SIGN);
        X509Certificate cert = ca.issue(admin.createCsr(v.name(), "", ""),
                "unrelated@smimed.example", true, false, Duration.ofDays(30));
        X509Certificate stranger = DemoCertificateAuthority.create(
                "Totally Legit CA", new BouncyCastleProvider(),
                Clock.systemUTC(), new SecureRandom()).certificate();
        StringWriter pem = new StringWriter();
        try (var writer = new JcaPEMWriter(pem)) {
            writer.writeObject(cert);
            writer.writeObject(stranger);
        }

        assertThatThrownBy(() -> admin.importCertificateChain(v.name(),
                pem.toString().getBytes(StandardCharsets.US_ASCII)))
                .isInstanceOf(InvalidKeyRequestException.class)
                .hasMessage("none of the other 1 certificate(s) given issued the certificate"
                        + " (its issuer is " + cert.getIssuerX500Principal() + "): give the CA"
                        + " certificates that certify it, up to the root");
    }

    /** A security review: thousands of certificates held the officer lock for minutes. */
    @Test
    void moreCertificatesThanAChain_areRefusedBeforeOrdering() throws Exception {
        TokenVersion v = admin.generate("many@smimed.example", KeyAlgorithm.EC_P256,
                KeyUsage.SIGN);
        byte[] one = ca.chainPem(ca.issue(admin.createCsr(v.name(), "", ""),
                "many@smimed.example", true, false, Duration.ofDays(30)));
        byte[] many = new String(one, StandardCharsets.US_ASCII).repeat(9)
                .getBytes(StandardCharsets.US_ASCII);

        assertThatThrownBy(() -> admin.importCertificateChain(v.name(), many))
                .isInstanceOf(InvalidKeyRequestException.class)
                .hasMessage("18 certificates given, more than a chain of 16: give the"
                        + " certificate and the CA certificates that certify it, up to the root");
        admin.importCertificateChain(v.name(), one);
    }

    /**
     * RFC 8550 4.4.4: the extended key usage is checked when present; a certificate without
     * one (an outside trial's enterprise CA) is not restricted, one for TLS only is refused.
     */
    @Test
    void extendedKeyUsage_isRequiredToAllowEmailOnlyWhenPresent() throws Exception {
        String noEku = "subjectAltName=email:plain@smimed.example\n"
                + "keyUsage=critical,digitalSignature\n";
        TokenVersion plain = admin.generate("plain@smimed.example", KeyAlgorithm.EC_P256,
                KeyUsage.SIGN);
        X509Certificate accepted = ca.issueWithOpenSsl(dir.resolve("no-eku"),
                admin.createCsr(plain.name(), "", ""), noEku);
        assertThat(accepted.getExtendedKeyUsage()).isNull();
        admin.importCertificateChain(plain.name(), ca.chainPem(accepted));

        TokenVersion tls = admin.generate("tls@smimed.example", KeyAlgorithm.EC_P256,
                KeyUsage.SIGN);
        X509Certificate serverOnly = ca.issueWithOpenSsl(dir.resolve("tls-eku"),
                admin.createCsr(tls.name(), "", ""), "subjectAltName=email:tls@smimed.example\n"
                        + "keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n");
        assertThatThrownBy(() -> admin.importCertificateChain(tls.name(),
                ca.chainPem(serverOnly)))
                .isInstanceOf(InvalidKeyRequestException.class)
                .hasMessage("the certificate's extended key usage allows neither emailProtection"
                        + " nor anyExtendedKeyUsage, so S/MIME agents refuse it (RFC 8550"
                        + " 4.4.4)");
    }

    /** Found by an import trial: a CA certificate was accepted as a mail identity's. */
    @Test
    void caCertificate_isRefused() throws Exception {
        TokenVersion v = admin.generate("ca-leaf@smimed.example", KeyAlgorithm.EC_P256,
                KeyUsage.SIGN);
        X509Certificate caLike = ca.issueWithOpenSsl(dir.resolve("ca-leaf"),
                admin.createCsr(v.name(), "", ""), "subjectAltName=email:ca-leaf@smimed.example\n"
                        + "basicConstraints=critical,CA:TRUE\n"
                        + "keyUsage=critical,digitalSignature,keyCertSign\n");

        assertThatThrownBy(() -> admin.importCertificateChain(v.name(), ca.chainPem(caLike)))
                .isInstanceOf(InvalidKeyRequestException.class)
                .hasMessage("the certificate is a CA certificate (basicConstraints cA=true): a"
                        + " mail identity's certificate must not be one; have an end-entity"
                        + " certificate issued for the key");
    }

    /** Found by an officer trial: a SHA-1 certificate was imported and activated. */
    @Test
    void certificateSignedWithSha1_isRefused() throws Exception {
        TokenVersion v = admin.generate("sha1@smimed.example", KeyAlgorithm.EC_P256,
                KeyUsage.SIGN);
        String extensions = "subjectAltName=email:sha1@smimed.example\n"
                + "keyUsage=critical,digitalSignature\nextendedKeyUsage=emailProtection\n";
        X509Certificate weak = ca.issueWithOpenSsl(dir.resolve("sha1"),
                admin.createCsr(v.name(), "", ""), extensions, "-sha1");
        assertThat(weak.getSigAlgName()).isEqualTo("SHA1withRSA");

        assertThatThrownBy(() -> admin.importCertificateChain(v.name(), ca.chainPem(weak)))
                .isInstanceOf(InvalidKeyRequestException.class)
                .hasMessage("the certificate '" + weak.getSubjectX500Principal() + "' is signed"
                        + " with SHA1withRSA, which can be forged; have it issued with SHA-256"
                        + " or stronger");
        // RSASSA-PSS names its hash in its parameters, not in its name.
        X509Certificate weakPss = ca.issueWithOpenSsl(dir.resolve("pss-sha1"),
                admin.createCsr(v.name(), "", ""), extensions, "-sha1",
                "-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:20");
        assertThat(weakPss.getSigAlgName()).isEqualTo("RSASSA-PSS");
        assertThatThrownBy(() -> admin.importCertificateChain(v.name(), ca.chainPem(weakPss)))
                .isInstanceOf(InvalidKeyRequestException.class)
                .hasMessageContaining("is signed with RSASSA-PSS with SHA-1, which can be forged");
        X509Certificate strongPss = ca.issueWithOpenSsl(dir.resolve("pss-sha256"),
                admin.createCsr(v.name(), "", ""), extensions, "-sha256",
                "-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:32");
        assertThat(admin.importCertificateChain(v.name(), ca.chainPem(strongPss)).chain())
                .hasSize(2);
        X509Certificate strong = ca.issueWithOpenSsl(dir.resolve("sha256"),
                admin.createCsr(v.name(), "", ""), extensions);
        assertThat(admin.importCertificateChain(v.name(), ca.chainPem(strong)).chain())
                .hasSize(2);
    }

    /** Found by an outside trial: the advice to append CA certificates fits PEM, not PKCS#12. */
    @Test
    void pkcs12WithoutItsCaCertificates_isRefusedSayingHowToExportIt() throws Exception {
        Path p12 = ca.writePkcs12(dir.resolve("leaf-only.p12"), "leafonly@smimed.example",
                "pw", false);

        assertThatThrownBy(() -> admin.importPkcs12("leafonly@smimed.example",
                java.nio.file.Files.readAllBytes(p12), "pw".toCharArray(), false))
                .isInstanceOf(InvalidKeyRequestException.class)
                .hasMessage("the PKCS#12 file holds the certificate but not its CA certificates"
                        + " up to the root: export it again with them (openssl pkcs12 -export"
                        + " ... -certfile ca-chain.pem)");
        assertThat(admin.list()).noneMatch(v -> v.record().identity()
                .equals("leafonly@smimed.example"));
    }

    /**
     * Found by an interop trial: a self-signed certificate was told to bring "its CA
     * certificates", which do not exist. It is refused as what it is.
     */
    @Test
    void pkcs12WithASelfSignedCertificate_isRefusedAsSelfSigned() throws Exception {
        org.smimed.daemon.testing.Processes.check(java.util.List.of("openssl", "req", "-x509",
                "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
                "self.key", "-out", "self.pem", "-days", "30", "-subj", "/CN=self",
                "-addext", "subjectAltName=email:self@smimed.example",
                "-addext", "keyUsage=critical,digitalSignature"), dir);
        org.smimed.daemon.testing.Processes.check(java.util.List.of("openssl", "pkcs12",
                "-export", "-in", "self.pem", "-inkey", "self.key", "-out", "self.p12",
                "-passout", "pass:pw"), dir);

        assertThatThrownBy(() -> admin.importPkcs12("self@smimed.example",
                java.nio.file.Files.readAllBytes(dir.resolve("self.p12")),
                "pw".toCharArray(), false))
                .isInstanceOf(InvalidKeyRequestException.class)
                .hasMessage("the certificate is self-signed ('CN=self'): smimed takes"
                        + " certificates a CA issued, with that CA's certificates up to its"
                        + " root");
    }

    @Test
    void expiredCertificate_isRefusedNamingTheDate() throws Exception {
        TokenVersion v = admin.generate("late@smimed.example", KeyAlgorithm.EC_P256,
                KeyUsage.SIGN);
        Clock past = Clock.fixed(Instant.now().minus(Duration.ofDays(400)), ZoneOffset.UTC);
        OfficerCa oldCa = OfficerCa.create(past);
        X509Certificate expired = oldCa.issue(admin.createCsr(v.name(), "", ""),
                "late@smimed.example", true, false, Duration.ofDays(30));

        assertThatThrownBy(() -> admin.importCertificateChain(v.name(),
                oldCa.chainPem(expired)))
                .isInstanceOf(InvalidKeyRequestException.class)
                .hasMessage("the certificate expired on " + expired.getNotAfter().toInstant()
                        + " (a key kept only to decrypt old mail comes in with smimectl"
                        + " import-pkcs12 --archive)");
    }

    /** The JDK cannot open this file either ("wrong password"); the key's problem is named. */
    @Test
    void pkcs12WithExplicitCurveParameters_isRefusedNamingThem() throws Exception {
        Path work = Files.createTempDirectory(dir, "p12");
        for (List<String> step : List.of(
                List.of("openssl", "ecparam", "-name", "prime256v1", "-genkey", "-param_enc",
                        "explicit", "-out", "key.pem"),
                List.of("openssl", "req", "-x509", "-key", "key.pem", "-subj", "/CN=explicit",
                        "-days", "2", "-out", "cert.pem"),
                List.of("openssl", "pkcs12", "-export", "-inkey", "key.pem", "-in", "cert.pem",
                        "-out", "file.p12", "-passout", "pass:pw"))) {
            org.smimed.daemon.testing.Processes.check(step, work);
        }

        assertThatThrownBy(() -> admin.importPkcs12("explicit@smimed.example",
                Files.readAllBytes(work.resolve("file.p12")), "pw".toCharArray(), false))
                .isInstanceOf(InvalidKeyRequestException.class)
                .hasMessageStartingWith("cannot import the PKCS#12 file: unsupported key: EC"
                        + " with explicit curve parameters; smimed takes");
    }

    /**
     * The CSR's signature hash follows the curve, as the daemon's CMS signatures do (an
     * interop trial found P-521's signed over SHA-384); OpenSSL reads and verifies each.
     */
    @ParameterizedTest
    @CsvSource({"EC_P256, ecdsa-with-SHA256", "EC_P384, ecdsa-with-SHA384",
            "EC_P521, ecdsa-with-SHA512", "RSA_2048, sha256WithRSAEncryption"})
    void csrs_areSignedWithTheHashOfTheirCurve(KeyAlgorithm algorithm, String expected)
            throws Exception {
        String identity = "csr-" + algorithm.name().toLowerCase().replace('_', '-')
                + "@smimed.example";
        TokenVersion v = admin.generate(identity, algorithm, KeyUsage.SIGN);
        Path csr = Files.write(dir.resolve(identity + ".der"), admin.createCsr(v.name(), "", ""));

        Processes.Result read = Processes.check(List.of("openssl", "req", "-inform", "DER",
                "-in", csr.toString(), "-noout", "-verify", "-text"), dir);

        assertThat(read.stdout()).contains("Signature Algorithm: " + expected);
        assertThat(read.stdout() + read.stderr()).contains("verify OK");
    }
}
