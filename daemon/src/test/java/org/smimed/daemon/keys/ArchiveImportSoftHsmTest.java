package org.smimed.daemon.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
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
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.smimed.daemon.cms.CmsDecryptor;
import org.smimed.daemon.testing.OfficerCa;
import org.smimed.daemon.testing.Processes;
import org.smimed.daemon.testing.SoftHsm;
import org.smimed.daemon.token.KeptInToken;
import org.smimed.daemon.token.Pkcs11Token;

/**
 * A firm moving to smimed brings the keys its old mail was encrypted to, whose certificates
 * have often expired: migrated as archive keys they decrypt that mail and do nothing else.
 * Against a real SoftHSM2 token, with the message encrypted by OpenSSL.
 */
class ArchiveImportSoftHsmTest {
    private static final Clock CLOCK = Clock.systemUTC();

    @TempDir
    static Path dir;
    private static Pkcs11Token token;
    private static KeyAdministration admin;
    /** A CA two years back: what it issued for 30 days expired long ago. */
    private static OfficerCa oldCa;

    @BeforeAll
    static void open() throws Exception {
        token = SoftHsm.createToken("archive").login();
        admin = KeyAdministration.open(token, new SecureRandom(), CLOCK);
        oldCa = OfficerCa.create(Clock.offset(CLOCK, Duration.ofDays(-730)));
    }

    @Test
    void expiredKey_isRefusedForService_butMigratesAsAnArchiveKeyThatDecryptsOldMail()
            throws Exception {
        String identity = "archive@smimed.example";
        KeyPair pair = rsaKey();
        X509Certificate expired = oldCa.issue(pair.getPublic(), identity, true, true,
                Duration.ofDays(30));
        Path p12 = pkcs12(pair, expired, "old-pw");

        assertThatThrownBy(() -> admin.importPkcs12(identity, Files.readAllBytes(p12),
                "old-pw".toCharArray(), false))
                .isInstanceOf(InvalidKeyRequestException.class)
                .hasMessageStartingWith("the certificate expired on ");
        TokenVersion v = admin.importPkcs12(identity, Files.readAllBytes(p12),
                "old-pw".toCharArray(), true);

        assertThat(v.state()).isEqualTo(KeyState.DECRYPT_ONLY);
        // Its certificate allowed signing too; the token's key does not (no CKA_SIGN).
        assertThat(v.record().usage()).isEqualTo(org.smimed.daemon.token.KeyUsage.ENCRYPT);
        KeptInToken.assertKeptInToken(token, v.name(), false);
        KeyRegistry registry = admin.registry();
        assertThat(registry.decryptionKeys(identity)).extracting(KeyVersion::id)
                .containsExactly(v.name());
        assertThat(registry.encryptionKey(identity)).as("never announced for new mail").isEmpty();
        assertThatThrownBy(() -> registry.signingKey(identity))
                .isInstanceOf(NoUsableKeyException.class)
                .hasMessageContaining(v.name() + " is DECRYPT_ONLY");

        byte[] plaintext = "Content-Type: text/plain\r\n\r\nmail from 2024\r\n"
                .getBytes(StandardCharsets.US_ASCII);
        byte[] message = opensslEncrypt(expired, plaintext);
        CmsDecryptor decryptor = new CmsDecryptor(token.provider(), new BouncyCastleProvider(),
                new SecureRandom());
        assertThat(decryptor.decrypt(message, registry.decryptionKeys()).plaintext())
                .isEqualTo(plaintext);
    }

    @Test
    void archiveKey_whoseCertificateDoesNotAllowEncryption_isRefused() throws Exception {
        String identity = "signer-archive@smimed.example";
        KeyPair pair = rsaKey();
        X509Certificate signingOnly = oldCa.issue(pair.getPublic(), identity, true, false,
                Duration.ofDays(30));

        assertThatThrownBy(() -> admin.importPkcs12(identity,
                Files.readAllBytes(pkcs12(pair, signingOnly, "pw")), "pw".toCharArray(), true))
                .isInstanceOf(InvalidKeyRequestException.class)
                .hasMessage("an archive key is kept to decrypt old mail, and this certificate"
                        + " does not allow encryption to its key (key usage keyEncipherment or"
                        + " keyAgreement)");
        assertThat(admin.list()).extracting(TokenVersion::name)
                .noneMatch(name -> name.startsWith(identity));
    }

    /** The other import checks still hold as of the certificate's last valid day. */
    @Test
    void archiveKey_forAnotherIdentity_isRefused() throws Exception {
        KeyPair pair = rsaKey();
        X509Certificate expired = oldCa.issue(pair.getPublic(), "someone@smimed.example",
                false, true, Duration.ofDays(30));

        assertThatThrownBy(() -> admin.importPkcs12("else@smimed.example",
                Files.readAllBytes(pkcs12(pair, expired, "pw")), "pw".toCharArray(), true))
                .isInstanceOf(InvalidKeyRequestException.class)
                .hasMessage("the certificate is for 'someone@smimed.example', not for identity"
                        + " 'else@smimed.example'");
    }

    /**
     * A destroyed key — retired, perhaps compromised — must not sign again from an old backup;
     * decrypting the mail sent to it is what the backup is for.
     */
    @Test
    void destroyedKey_isNotImportedAgainToSign_butMayComeBackAsAnArchiveKey() throws Exception {
        String identity = "destroyed@smimed.example";
        OfficerCa ca = OfficerCa.create(CLOCK);
        KeyPair pair = rsaKey();
        X509Certificate cert = ca.issue(pair.getPublic(), identity, true, true,
                Duration.ofDays(365));
        byte[] backup = Files.readAllBytes(pkcs12(pair, cert, ca, "pw"));
        // Each import wipes the bytes it was given (they hold the key): a copy each time.
        TokenVersion v = admin.importPkcs12(identity, backup.clone(), "pw".toCharArray(), false);
        admin.activate(v.name());
        admin.disable(v.name());
        admin.destroy(v.name(), CertificateSummary.sha256(cert));

        assertThat(admin.list()).filteredOn(t -> t.name().equals(v.name()))
                .extracting(t -> t.record().destroyedKey())
                .containsExactly(CertificateSummary.sha256(pair.getPublic().getEncoded()));
        assertThatThrownBy(() -> admin.importPkcs12(identity, backup.clone(), "pw".toCharArray(),
                false))
                .isInstanceOf(InvalidKeyRequestException.class)
                .hasMessageStartingWith("the PKCS#12 file's key was destroyed as " + v.name()
                        + " on ")
                .hasMessageEndingWith("; a destroyed key does not sign again: import it with"
                        + " --archive to decrypt old mail only");
        TokenVersion archived = admin.importPkcs12(identity, backup.clone(), "pw".toCharArray(),
                true);
        assertThat(archived.state()).isEqualTo(KeyState.DECRYPT_ONLY);
        assertThat(archived.name()).isNotEqualTo(v.name());
    }

    @Test
    void rsaKeyWithoutItsCrtParameters_isRefusedWhenTheFileIsChecked() throws Exception {
        String identity = "no-crt@smimed.example";
        KeyPair pair = rsaKey();
        java.security.interfaces.RSAPrivateCrtKey crt =
                (java.security.interfaces.RSAPrivateCrtKey) pair.getPrivate();
        java.security.PrivateKey bare = java.security.KeyFactory.getInstance("RSA")
                .generatePrivate(new java.security.spec.RSAPrivateKeySpec(crt.getModulus(),
                        crt.getPrivateExponent()));
        OfficerCa ca = OfficerCa.create(CLOCK);
        X509Certificate cert = ca.issue(pair.getPublic(), identity, true, true,
                Duration.ofDays(30));
        java.security.KeyStore store = java.security.KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry("key", bare, "pw".toCharArray(),
                new java.security.cert.Certificate[] {cert, ca.certificate()});
        java.io.ByteArrayOutputStream file = new java.io.ByteArrayOutputStream();
        store.store(file, "pw".toCharArray());

        // Was INTERNAL from the token's refusal, after a dual-control approval.
        assertThatThrownBy(() -> admin.checkPkcs12(identity, file.toByteArray(),
                "pw".toCharArray(), false))
                .isInstanceOf(InvalidKeyRequestException.class)
                .hasMessageStartingWith("the PKCS#12 file's RSA key lacks its CRT parameters");
    }

    private static KeyPair rsaKey() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        return g.generateKeyPair();
    }

    /** The PKCS#12 file as OpenSSL exports it, with the old CA's certificate. */
    private static Path pkcs12(KeyPair pair, X509Certificate cert, String password)
            throws Exception {
        return pkcs12(pair, cert, oldCa, password);
    }

    /** The PKCS#12 file as OpenSSL exports it, with {@code ca}'s certificate. */
    private static Path pkcs12(KeyPair pair, X509Certificate cert, OfficerCa ca,
                               String password) throws Exception {
        Path work = Files.createTempDirectory(dir, "p12");
        Files.writeString(work.resolve("key.pem"), pem(new JcaPKCS8Generator(pair.getPrivate(),
                null)));
        Files.writeString(work.resolve("cert.pem"), pem(cert));
        Files.writeString(work.resolve("ca.pem"), pem(ca.certificate()));
        Processes.check(List.of("openssl", "pkcs12", "-export", "-inkey", "key.pem", "-in",
                "cert.pem", "-certfile", "ca.pem", "-out", "file.p12", "-passout",
                "pass:" + password), work);
        return work.resolve("file.p12");
    }

    /** What the old mail is: OpenSSL encrypts to a certificate whatever its dates. */
    private static byte[] opensslEncrypt(X509Certificate to, byte[] plaintext) throws Exception {
        Path work = Files.createTempDirectory(dir, "mail");
        Files.writeString(work.resolve("to.pem"), pem(to));
        Files.write(work.resolve("plain.txt"), plaintext);
        Processes.check(List.of("openssl", "cms", "-encrypt", "-binary", "-aes-256-cbc", "-in",
                "plain.txt", "-outform", "DER", "-out", "mail.der", "to.pem"), work);
        return Files.readAllBytes(work.resolve("mail.der"));
    }

    private static String pem(Object o) throws Exception {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter p = new JcaPEMWriter(out)) {
            p.writeObject(o);
        }
        return out.toString();
    }
}
