package org.smimed.daemon.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.smimed.daemon.cms.CmsSigner;
import org.smimed.daemon.cms.SignatureRequest;
import org.smimed.daemon.testing.LogCapture;
import org.smimed.daemon.testing.OfficerCa;
import org.smimed.daemon.testing.Processes;
import org.smimed.daemon.testing.SoftHsm;
import org.smimed.daemon.token.KeptInToken;
import org.smimed.daemon.token.KeyAlgorithm;
import org.smimed.daemon.token.KeyObjects;
import org.smimed.daemon.token.KeyProtection;
import org.smimed.daemon.token.KeyUsage;
import org.smimed.daemon.token.Pkcs11Token;
import org.smimed.daemon.token.TokenObjects;

/**
 * Key administration against a real SoftHSM2 token: protection attributes of generated and
 * imported keys read through PKCS#11, RFC 9216 Alice migrated and verified by OpenSSL, and a
 * clear message for every refusal.
 */
class KeyAdministrationSoftHsmTest {
    private static final Path RFC9216 =
            Path.of("src", "test", "resources", "rfc9216").toAbsolutePath();
    private static final Clock CLOCK = Clock.systemUTC();

    @TempDir
    static Path dir;
    private static Pkcs11Token token;
    private static KeyAdministration admin;
    private static OfficerCa ca;

    @BeforeAll
    static void open() throws Exception {
        token = SoftHsm.createToken("admin").login();
        admin = KeyAdministration.open(token, new SecureRandom(), CLOCK);
        ca = OfficerCa.create(CLOCK);
    }

    /** Every algorithm the product generates, with every usage that algorithm can have. */
    @Test
    void generatedKeys_areSensitiveAndNeverExtractable() throws Exception {
        List<String> names = new ArrayList<>();
        for (KeyAlgorithm algorithm : KeyAlgorithm.values()) {
            KeyUsage usage = switch (algorithm.family()) {
                case EDDSA -> KeyUsage.SIGN;
                case XDH -> KeyUsage.ENCRYPT;
                case RSA, EC -> KeyUsage.BOTH;
            };
            TokenVersion v = admin.generate("gen@smimed.example", algorithm, usage);

            assertThat(v.state()).isEqualTo(KeyState.PENDING);
            assertThat(v.record().algorithm()).isEqualTo(algorithm);
            KeptInToken.assertKeptInToken(token, v.name(), true);
            assertThat(protection(v.name()).unwraps()).as("CKA_UNWRAP").isFalse();
            names.add(v.name());
        }
        assertThat(names).hasSize(KeyAlgorithm.values().length);
        assertThat(admin.list()).extracting(TokenVersion::name).containsAll(names);
    }

    @Test
    void importedPkcs12Key_isSensitiveAndNotExtractable() throws Exception {
        KeyPair pair = softwareKey();
        X509Certificate cert = ca.issue(pair.getPublic(), "migrated@smimed.example", true, true,
                Duration.ofDays(30));
        byte[] p12 = pkcs12(pemKey(pair), pem(cert), pem(ca.certificate()), "s3cret");

        TokenVersion v = admin.importPkcs12("migrated@smimed.example", p12,
                "s3cret".toCharArray(), false);

        assertThat(v.state()).isEqualTo(KeyState.PENDING);
        assertThat(v.certificate()).contains(cert);
        // Imported: it existed outside the token, so never-extractable would be a lie.
        KeptInToken.assertKeptInToken(token, v.name(), false);
        assertThat(protection(v.name()).unwraps()).as("CKA_UNWRAP").isFalse();
        assertThat(p12).as("file bytes wiped").containsOnly((byte) 0);
    }

    @Test
    void unencryptedPkcs12_withAPlainKeyBag_isImportedSensitiveAndNotExtractable()
            throws Exception {
        KeyPair pair = softwareKey();
        X509Certificate cert = ca.issue(pair.getPublic(), "keybag@smimed.example", true, true,
                Duration.ofDays(30));
        // What `openssl pkcs12 -export -keypbe NONE -certpbe NONE -passout pass:` writes.
        byte[] p12 = pkcs12(pemKey(pair), pem(cert), pem(ca.certificate()), "", "-keypbe",
                "NONE", "-certpbe", "NONE");

        TokenVersion v = admin.importPkcs12("keybag@smimed.example", p12, new char[0], false);

        assertThat(v.state()).isEqualTo(KeyState.PENDING);
        assertThat(v.chain()).containsExactly(cert, ca.certificate());
        KeptInToken.assertKeptInToken(token, v.name(), false);
        assertThat(protection(v.name()).unwraps()).as("CKA_UNWRAP").isFalse();
    }

    /**
     * The JDK's key store refuses a file OpenSSL protected with a password beyond ASCII
     * ("keystore password was incorrect"); Bouncy Castle reads it (found by an import trial).
     */
    @Test
    void pkcs12WithANonAsciiPassword_isImported() throws Exception {
        KeyPair pair = softwareKey();
        X509Certificate cert = ca.issue(pair.getPublic(), "utf8@smimed.example", true, true,
                Duration.ofDays(30));
        String password = "p\u00e4ssw\u00f6rd\u20ac\u5bc6\u7801";
        Path work = Files.createTempDirectory(dir, "p12");
        // From a file, in UTF-8 as OpenSSL reads it: argv would go through the platform charset.
        Files.writeString(work.resolve("pw.txt"), password + "\n", StandardCharsets.UTF_8);
        Files.writeString(work.resolve("key.pem"), pemKey(pair));
        Files.writeString(work.resolve("cert.pem"), pem(cert));
        Files.writeString(work.resolve("ca.pem"), pem(ca.certificate()));
        Processes.check(List.of("openssl", "pkcs12", "-export", "-inkey", "key.pem", "-in",
                "cert.pem", "-certfile", "ca.pem", "-out", "file.p12", "-passout",
                "file:pw.txt"), work);

        TokenVersion v = admin.importPkcs12("utf8@smimed.example",
                Files.readAllBytes(work.resolve("file.p12")), password.toCharArray(), false);

        assertThat(v.chain()).containsExactly(cert, ca.certificate());
        KeptInToken.assertKeptInToken(token, v.name(), false);
        assertThatThrownBy(() -> admin.importPkcs12("utf8@smimed.example",
                Files.readAllBytes(work.resolve("file.p12")), "passw\u00f6rd".toCharArray(),
                false)).isInstanceOf(InvalidKeyRequestException.class).hasMessage(
                "cannot open the PKCS#12 file: wrong password or not a PKCS#12 file");
    }

    /** It silently made v2 with v1's key (found by an outside trial). */
    @Test
    void samePkcs12ImportedTwice_isRefusedNamingTheVersionThatHasTheKey() throws Exception {
        KeyPair pair = softwareKey();
        X509Certificate cert = ca.issue(pair.getPublic(), "twice@smimed.example", true, true,
                Duration.ofDays(30));
        String key = pemKey(pair);
        TokenVersion first = admin.importPkcs12("twice@smimed.example",
                pkcs12(key, pem(cert), pem(ca.certificate()), "pw"), "pw".toCharArray(), false);

        assertThatThrownBy(() -> admin.importPkcs12("twice@smimed.example",
                pkcs12(key, pem(cert), pem(ca.certificate()), "pw"), "pw".toCharArray(), false))
                .isInstanceOf(InvalidKeyRequestException.class)
                .hasMessage("the PKCS#12 file's key is already in the token as "
                        + first.name() + "; it was not imported again");
        assertThatThrownBy(() -> admin.checkPkcs12("other@smimed.example",
                pkcs12(key, pem(cert), pem(ca.certificate()), "pw"), "pw".toCharArray(), false))
                .as("dual control refuses before a second officer is asked")
                .hasMessageContaining("already in the token as " + first.name());
        assertThat(admin.list()).extracting(TokenVersion::name)
                .doesNotContain("twice@smimed.example/v2");
    }

    @Test
    void rfc9216Alice_importedAndActivated_signsVerifiablyByOpenSsl() throws Exception {
        Path caFile = RFC9216.resolve("Sample_LAMPS_RSA_Certification_Authority.selfsigned.pem");
        byte[] p12 = pkcs12(RFC9216.resolve("lamps-alice.p8.pem"),
                RFC9216.resolve("lamps-alice.crt"), caFile, "alice-pw");

        TokenVersion v = admin.importPkcs12("alice@smime.example", p12, "alice-pw".toCharArray(),
                false);
        KeptInToken.assertKeptInToken(token, v.name(), false);
        admin.activate(v.name());
        KeyVersion key = admin.registry().signingKey("alice@smime.example");
        byte[] content = "Content-Type: text/plain\r\n\r\nHello from Alice\r\n"
                .getBytes(StandardCharsets.US_ASCII);
        byte[] signed = new CmsSigner(token.provider(), new BouncyCastleProvider(), CLOCK).sign(
                key, new SignatureRequest(new SignatureRequest.Content(content), true,
                        Optional.empty(), Optional.empty())).signedData();

        assertThat(key.id()).isEqualTo("alice@smime.example/v1");
        Path work = Files.createTempDirectory(dir, "alice");
        Files.write(work.resolve("signed.der"), signed);
        Processes.Result r = Processes.run(List.of("openssl", "cms", "-verify", "-binary",
                "-inform", "DER", "-in", "signed.der", "-CAfile", caFile.toString(),
                "-out", "out.txt"), work);
        assertThat(r.exitCode()).as(r.stderr()).isZero();
        assertThat(r.stderr()).contains("Verification successful");
        assertThat(Files.readAllBytes(work.resolve("out.txt"))).isEqualTo(content);
    }

    @Test
    void importPkcs12_withWrongPassword_isRefused() throws Exception {
        KeyPair pair = softwareKey();
        X509Certificate cert = ca.issue(pair.getPublic(), "pw@smimed.example", true, true,
                Duration.ofDays(30));
        byte[] p12 = pkcs12(pemKey(pair), pem(cert), pem(ca.certificate()), "right");

        assertThatThrownBy(() -> admin.importPkcs12("pw@smimed.example", p12,
                "wrong".toCharArray(), false))
                .isInstanceOf(InvalidKeyRequestException.class)
                .hasMessage("cannot open the PKCS#12 file: wrong password or not a PKCS#12 file");
        assertThat(admin.list()).noneMatch(v -> v.record().identity().equals("pw@smimed.example"));
    }

    @Test
    void activate_pendingWithoutCertificate_isRefused() throws Exception {
        TokenVersion v = admin.generate("pending@smimed.example", KeyAlgorithm.RSA_2048,
                KeyUsage.BOTH);

        assertThatThrownBy(() -> admin.activate(v.name()))
                .isInstanceOf(KeyStateException.class)
                .hasMessage(v.name() + " is PENDING without a certificate: create a CSR, have it"
                        + " certified, import-cert, then activate");
    }

    @Test
    void separateSigningAndEncryptionKeys_areActiveSideBySide_andRotateApart() throws Exception {
        String identity = "split@smimed.example";
        TokenVersion signing = certified(identity, KeyUsage.SIGN);
        TokenVersion encryption = certified(identity, KeyUsage.ENCRYPT);
        admin.activate(signing.name());
        admin.activate(encryption.name());

        assertThat(states(identity)).containsExactly(
                signing.name() + "=ACTIVE", encryption.name() + "=ACTIVE");
        assertThat(admin.registry().signingKey(identity).id()).isEqualTo(signing.name());
        assertThat(admin.registry().encryptionKey(identity)).map(KeyVersion::id)
                .contains(encryption.name());

        // A new signing key retires the old one only; mail still goes to the encryption key.
        TokenVersion signing2 = certified(identity, KeyUsage.SIGN);
        admin.activate(signing2.name());
        assertThat(states(identity)).containsExactly(signing.name() + "=DECRYPT_ONLY",
                encryption.name() + "=ACTIVE", signing2.name() + "=ACTIVE");
        assertThat(admin.registry().signingKey(identity).id()).isEqualTo(signing2.name());
        assertThat(admin.registry().encryptionKey(identity)).map(KeyVersion::id)
                .contains(encryption.name());

        // One key for both jobs retires both.
        TokenVersion both = certified(identity, KeyUsage.BOTH);
        admin.activate(both.name());
        assertThat(states(identity)).containsExactly(signing.name() + "=DECRYPT_ONLY",
                encryption.name() + "=DECRYPT_ONLY", signing2.name() + "=DECRYPT_ONLY",
                both.name() + "=ACTIVE");
        assertThat(admin.registry().encryptionKey(identity)).map(KeyVersion::id)
                .contains(both.name());
        // The retired encryption key still decrypts old mail.
        assertThat(admin.registry().decryptionKeys(identity)).extracting(KeyVersion::id)
                .contains(encryption.name(), both.name());
    }

    @Test
    void signingOnlyIdentity_hasNoEncryptionKey() throws Exception {
        String identity = "signs-only@smimed.example";
        TokenVersion signing = certified(identity, KeyUsage.SIGN);
        admin.activate(signing.name());

        assertThat(admin.registry().signingKey(identity).id()).isEqualTo(signing.name());
        assertThat(admin.registry().encryptionKey(identity)).isEmpty();
    }

    @Test
    void destroy_fromWrongStateOrWithWrongFingerprint_isRefused() throws Exception {
        TokenVersion v = certified("gone@smimed.example");
        admin.activate(v.name());
        String fingerprint = admin.view().fingerprint(v).orElseThrow();

        assertThatThrownBy(() -> admin.destroy(v.name(), fingerprint))
                .isInstanceOf(KeyStateException.class)
                .hasMessage("cannot destroy " + v.name() + ": it is ACTIVE (allowed from"
                        + " [DISABLED])");
        admin.disable(v.name());
        assertThatThrownBy(() -> admin.destroy(v.name(), "00".repeat(32)))
                .isInstanceOf(InvalidKeyRequestException.class)
                .hasMessage("the confirmation fingerprint does not match " + v.name()
                        + " (give the SHA-256 fingerprint shown by list)");
        assertThatThrownBy(() -> admin.destroy(v.name(), "abc")) // a typo is no mismatch
                .hasMessageContaining("the confirmation is not a SHA-256 fingerprint (64 hex");
        assertThat(new TokenObjects(token, new SecureRandom()).hasPrivateKey(v.name())).isTrue();

        TokenVersion destroyed;
        List<String> logged;
        try (LogCapture log = LogCapture.of(KeyAdministration.class)) {
            destroyed = admin.destroy(v.name(), fingerprint.toUpperCase());
            logged = log.messages();
        }

        // What was destroyed, by certificate, is logged before it goes: nothing else keeps it.
        X509Certificate certificate = v.certificate().orElseThrow();
        assertThat(logged).contains("destroying key version " + v.name() + ": certificate '"
                + certificate.getSubjectX500Principal() + "' issued by '"
                + certificate.getIssuerX500Principal() + "', serial "
                + CertificateSummary.serial(certificate.getSerialNumber()) + ", sha256 "
                + fingerprint);
        assertThat(destroyed.state()).isEqualTo(KeyState.DESTROYED);
        assertThat(new TokenObjects(token, new SecureRandom()).hasPrivateKey(v.name())).isFalse();
        assertThat(new TokenObjects(token, new SecureRandom()).hasCertificate(v.name())).isFalse();
        assertThat(admin.view().fingerprint(destroyed)).as("nothing left to fingerprint").isEmpty();
    }

    @Test
    void stateChange_ofAVersionWhoseRecordWasRemoved_failsNamingIt_andRemovesNothing()
            throws Exception {
        TokenVersion v = certified("vanished@smimed.example");
        admin.disable(v.name());
        String fingerprint = admin.view().fingerprint(v).orElseThrow();
        // Another writer on the token (a tool, a second daemon's bug) removes the record.
        new KeyObjects(token, new SecureRandom()).destroyData(v.name());

        assertThatThrownBy(() -> admin.destroy(v.name(), fingerprint))
                .isInstanceOf(KeyStateException.class)
                .hasMessage(v.name() + ": its state record was removed from the token outside"
                        + " smimed, so the state change was not written; list the versions to"
                        + " see what the token holds now");
        assertThat(new TokenObjects(token, new SecureRandom()).hasPrivateKey(v.name())).isTrue();
        assertThat(new TokenObjects(token, new SecureRandom()).hasCertificate(v.name())).isTrue();
    }

    private static TokenVersion certified(String identity) throws Exception {
        return certified(identity, KeyUsage.BOTH);
    }

    /**
     * A version generated for {@code usage} and certified for it; a key that cannot sign its
     * own request is certified from its public key, as the CA would from `smimectl public-key`.
     */
    private static TokenVersion certified(String identity, KeyUsage usage) throws Exception {
        TokenVersion v = admin.generate(identity, KeyAlgorithm.RSA_2048, usage);
        KeptInToken.assertKeptInToken(token, v.name(), true);
        X509Certificate cert = usage.signs()
                ? ca.issue(admin.createCsr(v.name(), "CN=Test", identity), identity,
                        usage.signs(), usage.decrypts(), Duration.ofDays(30))
                : ca.issue(admin.publicKey(v.name()), identity, false, true, Duration.ofDays(30));
        return admin.importCertificateChain(v.name(), chain(cert));
    }

    /** "version=STATE" for each version of {@code identity}, oldest first. */
    private static List<String> states(String identity) {
        return admin.list().stream().filter(v -> v.record().identity().equals(identity))
                .map(v -> v.name() + "=" + v.state()).toList();
    }

    private static byte[] chain(X509Certificate leaf) throws Exception {
        return (pem(leaf) + pem(ca.certificate())).getBytes(StandardCharsets.US_ASCII);
    }

    private static KeyProtection protection(String label) throws Exception {
        return new TokenObjects(token, new SecureRandom()).protection(label);
    }

    private static KeyPair softwareKey() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        return g.generateKeyPair();
    }

    private static String pem(Object o) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (var w = new java.io.OutputStreamWriter(out, StandardCharsets.US_ASCII);
             JcaPEMWriter p = new JcaPEMWriter(w)) {
            p.writeObject(o);
        }
        return out.toString(StandardCharsets.US_ASCII);
    }

    private static String pemKey(KeyPair pair) throws Exception {
        return pem(new JcaPKCS8Generator(pair.getPrivate(), null));
    }

    private static byte[] pkcs12(String key, String cert, String caCert, String password,
                                 String... options) throws Exception {
        Path work = Files.createTempDirectory(dir, "p12");
        return pkcs12(Files.writeString(work.resolve("key.pem"), key),
                Files.writeString(work.resolve("cert.pem"), cert),
                Files.writeString(work.resolve("ca.pem"), caCert), password, options);
    }

    /** Builds the PKCS#12 file with OpenSSL, as an officer migrating a key would. */
    private static byte[] pkcs12(Path key, Path cert, Path caCert, String password,
                                 String... options) throws Exception {
        Path work = Files.createTempDirectory(dir, "p12");
        List<String> command = new java.util.ArrayList<>(List.of("openssl", "pkcs12", "-export",
                "-inkey", key.toString(), "-in", cert.toString(), "-certfile", caCert.toString(),
                "-out", "file.p12", "-passout", "pass:" + password));
        command.addAll(List.of(options));
        Processes.check(command, work);
        return Files.readAllBytes(work.resolve("file.p12"));
    }
}
