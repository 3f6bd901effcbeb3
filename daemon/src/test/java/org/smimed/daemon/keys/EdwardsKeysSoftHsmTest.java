package org.smimed.daemon.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.nist.NISTObjectIdentifiers;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.smimed.daemon.cms.CmsDecryptor;
import org.smimed.daemon.cms.CmsSigner;
import org.smimed.daemon.cms.DigestAlgorithm;
import org.smimed.daemon.cms.InvalidRequestException;
import org.smimed.daemon.cms.SignatureRequest;
import org.smimed.daemon.testing.EdwardsPeer;
import org.smimed.daemon.testing.OfficerCa;
import org.smimed.daemon.testing.Processes;
import org.smimed.daemon.testing.SoftHsm;
import org.smimed.daemon.token.KeptInToken;
import org.smimed.daemon.token.KeyAlgorithm;
import org.smimed.daemon.token.KeyUsage;
import org.smimed.daemon.token.Pkcs11Token;

/**
 * Ed25519 (RFC 8419) and X25519 (RFC 8418) keys in a real SoftHSM2 token: the RFC 9216 keys of
 * Carlos and Dana imported and used, keys generated in the token, and the refusals.
 */
class EdwardsKeysSoftHsmTest {
    private static final Clock CLOCK = Clock.systemUTC();
    private static final byte[] CONTENT = "Content-Type: text/plain\r\n\r\nHello, Ed25519\r\n"
            .getBytes(StandardCharsets.US_ASCII);

    @TempDir
    static Path dir;
    private static Pkcs11Token token;
    private static KeyAdministration admin;
    private static OfficerCa ca;
    private static CmsSigner signer;
    private static CmsDecryptor decryptor;

    @BeforeAll
    static void open() throws Exception {
        token = SoftHsm.createToken("edwards").login();
        admin = KeyAdministration.open(token, new SecureRandom(), CLOCK);
        ca = OfficerCa.create(CLOCK);
        signer = new CmsSigner(token.provider(), new BouncyCastleProvider(), CLOCK);
        decryptor = new CmsDecryptor(token.provider(), new BouncyCastleProvider(),
                new SecureRandom());
    }

    @Test
    void rfc9216Carlos_importedSensitive_signsInTheToken_verifiedByBouncyCastle()
            throws Exception {
        TokenVersion v = importRfc9216("carlos@smime.example", "lamps-carlos.p8.pem",
                "lamps-carlos.crt");
        admin.activate(v.name());
        KeyVersion key = admin.registry().signingKey("carlos@smime.example");

        byte[] signed = signer.sign(key, content()).signedData();

        assertThat(key.algorithm()).isEqualTo(KeyAlgorithm.ED25519);
        KeptInToken.assertKeptInToken(token, v.name(), false);
        assertThat(EdwardsPeer.verifyEd25519(signed, EdwardsPeer.certificate("lamps-carlos.crt")))
                .isEqualTo(CONTENT);
    }

    @Test
    void rfc9216Dana_importedSensitive_decryptsBouncyCastleX25519Messages() throws Exception {
        TokenVersion v = importRfc9216("dana@smime.example", "lamps-dana.decrypt.p8.pem",
                "lamps-dana.encrypt.crt");
        admin.activate(v.name());
        X509Certificate dana = EdwardsPeer.certificate("lamps-dana.encrypt.crt");

        KeptInToken.assertKeptInToken(token, v.name(), false);
        for (ASN1ObjectIdentifier[] c : EdwardsPeer.ciphers()) {
            byte[] message = EdwardsPeer.encrypt(dana, c[0], c[1], CONTENT);
            assertThat(decryptor.decrypt(message, admin.registry().decryptionKeys()).plaintext())
                    .as("%s + %s", c[0], c[1]).isEqualTo(CONTENT);
        }
    }

    @Test
    void generatedEd25519_csrSignedInTheToken_certified_signs() throws Exception {
        TokenVersion v = admin.generate("ed@smimed.example", KeyAlgorithm.ED25519,
                KeyUsage.SIGN);
        KeptInToken.assertKeptInToken(token, v.name(), true);
        assertThat(v.record().algorithm()).isEqualTo(KeyAlgorithm.ED25519);

        X509Certificate cert = ca.issue(admin.createCsr(v.name(), "CN=Ed", "ed@smimed.example"),
                "ed@smimed.example", true, false, Duration.ofDays(30));
        admin.importCertificateChain(v.name(), ca.chainPem(cert));
        admin.activate(v.name());
        KeyVersion key = admin.registry().signingKey("ed@smimed.example");

        assertThat(EdwardsPeer.verifyEd25519(signer.sign(key, content()).signedData(), cert))
                .isEqualTo(CONTENT);
        assertThatThrownBy(() -> signer.sign(key, new SignatureRequest(
                new SignatureRequest.Content(CONTENT), true, Optional.empty(),
                Optional.of(DigestAlgorithm.SHA256))))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessage("Ed25519 signatures use SHA-512 for the message digest (RFC 8419),"
                        + " not SHA-256");
    }

    @Test
    void generatedX25519_cannotSignACsr_certifiedFromItsPublicKey_decrypts() throws Exception {
        TokenVersion v = admin.generate("x@smimed.example", KeyAlgorithm.X25519,
                KeyUsage.ENCRYPT);
        KeptInToken.assertKeptInToken(token, v.name(), true);

        assertThatThrownBy(() -> admin.createCsr(v.name(), "CN=X", "x@smimed.example"))
                .isInstanceOf(InvalidKeyRequestException.class)
                .hasMessage(v.name() + " is an X25519 key, which cannot sign a certificate"
                        + " request: have the CA certify its public key (smimectl public-key)"
                        + " and import the certificate (RFC 8418)");
        X509Certificate cert = ca.issue(admin.publicKey(v.name()), "x@smimed.example", false,
                true, Duration.ofDays(30));
        admin.importCertificateChain(v.name(), ca.chainPem(cert));
        admin.activate(v.name());

        byte[] message = EdwardsPeer.encrypt(cert, NISTObjectIdentifiers.id_aes256_wrap,
                NISTObjectIdentifiers.id_aes256_GCM, CONTENT);
        assertThat(decryptor.decrypt(message, admin.registry().decryptionKeys("x@smimed.example"))
                .plaintext()).isEqualTo(CONTENT);
    }

    @Test
    void generate_withAUsageTheAlgorithmCannotHave_isRefused() {
        assertThatThrownBy(() -> admin.generate("bad@smimed.example", KeyAlgorithm.ED25519,
                KeyUsage.BOTH)).isInstanceOf(InvalidKeyRequestException.class)
                .hasMessage("an Ed25519 key only signs: use usage sign");
        assertThatThrownBy(() -> admin.generate("bad@smimed.example", KeyAlgorithm.X25519,
                KeyUsage.SIGN)).isInstanceOf(InvalidKeyRequestException.class)
                .hasMessage("an X25519 key only decrypts: use usage encrypt");
    }

    /**
     * An import's usage is what the certificate allows within what the key can do: an X25519
     * key with a signing certificate became an identity's signing version that could not sign,
     * and the Ed25519 key it replaced could not come back (found by an import trial).
     */
    @Test
    void importedEdwardsKeys_takeOnlyTheUsageTheirAlgorithmHas() throws Exception {
        java.security.PublicKey x = java.security.KeyPairGenerator.getInstance("X25519")
                .generateKeyPair().getPublic();
        java.security.PublicKey ed = java.security.KeyPairGenerator.getInstance("Ed25519")
                .generateKeyPair().getPublic();
        java.time.Duration year = java.time.Duration.ofDays(365);

        assertThat(KeyImports.usage(KeyAlgorithm.X25519,
                ca.issue(x, "x@smimed.example", true, true, year), false))
                .isEqualTo(KeyUsage.ENCRYPT);
        assertThat(KeyImports.usage(KeyAlgorithm.ED25519,
                ca.issue(ed, "ed@smimed.example", true, true, year), false))
                .isEqualTo(KeyUsage.SIGN);
        assertThatThrownBy(() -> KeyImports.usage(KeyAlgorithm.X25519,
                ca.issue(x, "x@smimed.example", true, false, year), false))
                .isInstanceOf(InvalidKeyRequestException.class)
                .hasMessage("an X25519 key only decrypts, and this certificate does not allow"
                        + " key agreement (key usage keyAgreement)");
        assertThatThrownBy(() -> KeyImports.usage(KeyAlgorithm.ED25519,
                ca.issue(ed, "ed@smimed.example", false, true, year), false))
                .isInstanceOf(InvalidKeyRequestException.class)
                .hasMessage("an Ed25519 key only signs, and this certificate does not allow"
                        + " signing (key usage digitalSignature or nonRepudiation)");
        assertThatThrownBy(() -> KeyImports.usage(KeyAlgorithm.ED25519,
                ca.issue(ed, "ed@smimed.example", true, true, year), true))
                .isInstanceOf(InvalidKeyRequestException.class)
                .hasMessage("an Ed25519 key only signs, and an archive key only decrypts old"
                        + " mail: import it without --archive");
    }

    /**
     * An officer trial: OpenSSL's plain keyBag (-keypbe NONE) of an Edwards key carries no
     * localKeyId, so the file "held no private key with a certificate"; RSA and EC imported.
     */
    @Test
    void edwardsKeysInAnUnencryptedKeyBag_import() throws Exception {
        for (String algorithm : List.of("Ed25519", "X25519")) {
            String identity = algorithm.toLowerCase(java.util.Locale.ROOT) + "-bag@smimed.example";
            java.security.KeyPair pair = java.security.KeyPairGenerator.getInstance(algorithm)
                    .generateKeyPair();
            java.security.cert.X509Certificate cert = ca.issue(pair.getPublic(), identity,
                    algorithm.equals("Ed25519"), algorithm.equals("X25519"),
                    java.time.Duration.ofDays(30));
            Path work = Files.createTempDirectory(dir, "bag");
            Files.writeString(work.resolve("key.pem"), "-----BEGIN PRIVATE KEY-----\n"
                    + java.util.Base64.getMimeEncoder().encodeToString(
                            pair.getPrivate().getEncoded()) + "\n-----END PRIVATE KEY-----\n");
            Files.write(work.resolve("chain.pem"), ca.chainPem(cert));
            Processes.check(List.of("openssl", "pkcs12", "-export", "-inkey", "key.pem", "-in",
                    "chain.pem", "-keypbe", "NONE", "-certpbe", "NONE", "-out", "file.p12",
                    "-passout", "pass:pw"), work);

            TokenVersion v = admin.importPkcs12(identity,
                    Files.readAllBytes(work.resolve("file.p12")), "pw".toCharArray(), false);

            assertThat(v.record().algorithm()).isEqualTo(algorithm.equals("Ed25519")
                    ? KeyAlgorithm.ED25519 : KeyAlgorithm.X25519);
            assertThat(v.certificate()).hasValue(cert);
        }
    }

    private static SignatureRequest content() {
        return new SignatureRequest(new SignatureRequest.Content(CONTENT), true,
                Optional.empty(), Optional.empty());
    }

    private static TokenVersion importRfc9216(String identity, String key, String cert)
            throws Exception {
        Path work = Files.createTempDirectory(dir, "p12");
        Processes.check(List.of("openssl", "pkcs12", "-export",
                "-inkey", EdwardsPeer.RFC9216.resolve(key).toString(),
                "-in", EdwardsPeer.RFC9216.resolve(cert).toString(), "-certfile",
                EdwardsPeer.RFC9216.resolve(
                        "Sample_LAMPS_Ed25519_Certification_Authority.selfsigned.pem").toString(),
                "-out", "file.p12", "-passout", "pass:pw"), work);
        return admin.importPkcs12(identity, Files.readAllBytes(work.resolve("file.p12")),
                "pw".toCharArray(), false);
    }
}
