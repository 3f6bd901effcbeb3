package org.smimed.daemon.cms;

import static org.assertj.core.api.Assertions.as;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.List;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.cms.ContentInfo;
import org.bouncycastle.asn1.cms.EncryptedContentInfo;
import org.bouncycastle.asn1.cms.EnvelopedData;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.SubjectKeyIdentifier;
import org.bouncycastle.cert.jcajce.JcaX509CertificateHolder;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.util.encoders.Hex;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.smimed.client.testing.Mutations;
import org.smimed.daemon.keys.KeyVersion;
import org.smimed.daemon.testing.CmsVersions;
import org.smimed.daemon.testing.FuzzKeys;
import org.smimed.daemon.token.KeyAlgorithm;
import org.smimed.daemon.token.TokenMeter;

/**
 * Fuzz target: CMS EnvelopedData/AuthEnvelopedData bytes into the daemon's decryptor, with real
 * keys in a real SoftHSM2 token. The contract: a correct plaintext, or
 * {@link DecryptionFailedException} / {@link InvalidRequestException}; never another exception,
 * never a hang. Jazzer runs the corpus in {@code CmsDecryptorFuzzTestInputs/decrypt} in every
 * build and fuzzes with coverage guidance under {@code JAZZER_FUZZ=1} (docs/fuzzing.md);
 * {@link #generatedInputs_getATypedErrorOrAPlaintext} adds seeded mutations in every build.
 */
class CmsDecryptorFuzzTest {
    static final int GENERATED = 8000;

    @TempDir
    static Path dir;
    static FuzzKeys.Fixture fixture;
    static CmsDecryptor decryptor;
    static List<KeyVersion> keys;

    @BeforeAll
    static void token() throws Exception {
        fixture = FuzzKeys.create(dir);
        decryptor = new CmsDecryptor(fixture.token().provider(), new BouncyCastleProvider(),
                new SecureRandom(), ContentCipher.defaults(), MessageLimits.DEFAULTS,
                TokenMeter.none());
        keys = fixture.keys().decryptionKeys();
    }

    @FuzzTest(maxDuration = "30m")
    void decrypt(byte[] message) {
        check(message);
    }

    @Test
    void generatedInputs_getATypedErrorOrAPlaintext() {
        Mutations mutations = new Mutations(8, Mutations.corpus(getClass(), "decrypt"));
        int accepted = 0;
        for (int i = 0; i < GENERATED; i++) {
            accepted += check(mutations.next()) ? 1 : 0;
        }
        // Both outcomes occur: code refusing everything (or nothing) would pass check alone.
        assertThat(accepted).as("inputs that decrypted").isPositive().isLessThan(GENERATED);
    }

    @ParameterizedTest
    @ValueSource(strings = {"rsa-aes256cbc.der", "rsa-aes128cbc-ski.der", "rsa-aes192cbc.der",
            "rsa-aes256gcm-auth.der", "rsa-aes128gcm-auth.der", "rsa-oaep-sha256.der",
            "rsa-oaep-sha1-gcm.der", "rsa-ber-stream.ber", "ec-aes128cbc.der",
            "ec-aes256gcm-auth.der", "ec-sha256kdf.der", "rsa-and-ec.der"})
    void corpusMessages_decryptToTheirPlaintext(String file) throws Exception {
        DecryptedMessage result = decryptor.decrypt(corpus(file), keys);

        assertThat(new String(result.plaintext(), StandardCharsets.US_ASCII))
                .isEqualTo(FuzzKeys.PLAINTEXT);
    }

    /**
     * Found by a client-developer trial: a whole .eml, or a signed message, was only
     * "decryption failed"; what the input is, is no secret of a key.
     */
    @Test
    void inputThatIsNoEnvelope_isInvalidArgumentSayingWhatItIs() throws Exception {
        byte[] eml = "Content-Type: application/pkcs7-mime\r\n\r\nMIAG".getBytes(
                StandardCharsets.US_ASCII);
        byte[] signed = new ContentInfo(org.bouncycastle.asn1.cms.CMSObjectIdentifiers.signedData,
                new org.bouncycastle.asn1.DERSequence()).getEncoded();

        assertThatThrownBy(() -> decryptor.decrypt(eml, keys))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageStartingWith("not a CMS message: it starts with 0x43 ('C'), not a"
                        + " DER or BER SEQUENCE (0x30); send the binary CMS");
        for (String outerNotASequence : List.of("nasty-indef-primitive.bin",
                "nasty-long-tag.bin")) {
            assertThatThrownBy(() -> decryptor.decrypt(corpus(outerNotASequence), keys))
                    .isInstanceOf(InvalidRequestException.class)
                    .hasMessageStartingWith("not a CMS message: it starts with 0x");
        }
        assertThatThrownBy(() -> decryptor.decrypt(signed, keys))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessage("not an encrypted message: its CMS content type is SignedData"
                        + " (1.2.840.113549.1.7.2), a signed message, which needs no key to"
                        + " open; Decrypt takes EnvelopedData or AuthEnvelopedData (RFC 5652,"
                        + " RFC 5083)");
        // A real one, detached or not, too: its structure once tripped the envelope's layout
        // checks first, and it was "decryption failed" (found by a docs trial).
        for (boolean encapsulated : new boolean[] {false, true}) {
            assertThatThrownBy(() -> decryptor.decrypt(signedData(encapsulated), keys))
                    .as("encapsulated: %s", encapsulated)
                    .isInstanceOf(InvalidRequestException.class)
                    .hasMessageStartingWith("not an encrypted message: its CMS content type is"
                            + " SignedData");
        }
    }

    private static byte[] signedData(boolean encapsulate) throws Exception {
        java.security.KeyPairGenerator generator =
                java.security.KeyPairGenerator.getInstance("EC");
        generator.initialize(256);
        java.security.KeyPair pair = generator.generateKeyPair();
        var name = new org.bouncycastle.asn1.x500.X500Name("CN=signer");
        var certificate = new org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder(name,
                java.math.BigInteger.ONE, new java.util.Date(),
                new java.util.Date(System.currentTimeMillis() + 86_400_000L), name,
                pair.getPublic()).build(new org.bouncycastle.operator.jcajce
                .JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate()));
        var generatorOfSignedData = new org.bouncycastle.cms.CMSSignedDataGenerator();
        generatorOfSignedData.addSignerInfoGenerator(new org.bouncycastle.cms.jcajce
                .JcaSimpleSignerInfoGeneratorBuilder().build("SHA256withECDSA",
                        pair.getPrivate(), new org.bouncycastle.cert.jcajce
                                .JcaX509CertificateConverter().getCertificate(certificate)));
        generatorOfSignedData.addCertificate(certificate);
        return generatorOfSignedData.generate(new org.bouncycastle.cms.CMSProcessableByteArray(
                FuzzKeys.PLAINTEXT.getBytes(StandardCharsets.US_ASCII)), encapsulate)
                .getEncoded();
    }

    /** An interoperability trial: mail clients leave a line end after a binary body. */
    @ParameterizedTest
    @ValueSource(strings = {"rsa-aes256cbc.der", "rsa-aes256gcm-auth.der", "rsa-ber-stream.ber"})
    void messagesFollowedByALineEnd_decrypt(String file) throws Exception {
        byte[] message = corpus(file);
        byte[] withCrLf = java.util.Arrays.copyOf(message, message.length + 2);
        withCrLf[message.length] = '\r';
        withCrLf[message.length + 1] = '\n';

        assertThat(new String(decryptor.decrypt(withCrLf, keys).plaintext(),
                StandardCharsets.US_ASCII)).isEqualTo(FuzzKeys.PLAINTEXT);
    }

    /**
     * Found by a fuzz trial: CBC content emptied on the way "decrypted" to an empty body (the
     * JDK's cipher takes zero bytes); padded CBC never encrypts to nothing.
     */
    @ParameterizedTest
    @ValueSource(strings = {"rsa-aes256cbc.der", "ec-aes128cbc.der"})
    void cbcContentEmptied_failsToDecrypt(String file) throws Exception {
        ContentInfo info = ContentInfo.getInstance(corpus(file));
        EnvelopedData data = EnvelopedData.getInstance(info.getContent());
        EncryptedContentInfo content = data.getEncryptedContentInfo();
        byte[] emptied = new ContentInfo(info.getContentType(), new EnvelopedData(
                data.getOriginatorInfo(), data.getRecipientInfos(),
                new EncryptedContentInfo(content.getContentType(),
                        content.getContentEncryptionAlgorithm(), new DEROctetString(new byte[0])),
                data.getUnprotectedAttrs())).getEncoded();

        assertThatThrownBy(() -> decryptor.decrypt(emptied, keys))
                .isInstanceOf(DecryptionFailedException.class);
    }

    @Test
    void legacyCipher_isRefusedByDefault() {
        assertThatThrownBy(() -> decryptor.decrypt(corpus("rsa-3des.der"), keys))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("decryption.contentAlgorithms");
    }

    @Test
    void recipientsOverTheLimit_areRefusedNamingIt() {
        assertThatThrownBy(() -> decryptor.decrypt(corpus("nasty-257-recipients.der"), keys))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessage("message has more than 256 recipients (limits.maxRecipients)");
    }

    @Test
    void mailForNoKeyThatMayDecrypt_namesItsRecipientsForTheLogOnly() throws Exception {
        X509Certificate rsa = keys.stream().filter(k -> k.algorithm().family()
                == KeyAlgorithm.Family.RSA).findFirst().orElseThrow().certificate();
        String serial = "serial " + rsa.getSerialNumber().toString(16) + " of "
                + X500Name.getInstance(rsa.getIssuerX500Principal().getEncoded());
        String keyId = "key id " + Hex.toHexString(SubjectKeyIdentifier.fromExtensions(
                new JcaX509CertificateHolder(rsa).getExtensions()).getKeyIdentifier());

        assertThat(noKeyDetail("rsa-aes256cbc.der")).isEqualTo(
                "no recipient matches a key that may decrypt; addressed to " + serial);
        assertThat(noKeyDetail("rsa-aes128cbc-ski.der")).isEqualTo(
                "no recipient matches a key that may decrypt; addressed to " + keyId);
    }

    /** The log detail of decrypting {@code file} with no candidate key. */
    private static String noKeyDetail(String file) {
        Throwable failure = assertThrows(
                DecryptionFailedException.class, () -> decryptor.decrypt(corpus(file), List.of()));
        assertThat(failure).hasMessage(DecryptionFailedException.MESSAGE);
        return ((DecryptionFailedException) failure).detail();
    }

    @ParameterizedTest
    @ValueSource(strings = {"nasty-definite-deep.bin", "nasty-indefinite-bomb.bin",
            "nasty-indefinite-bomb-closed.bin"})
    void nestingBombs_areRefusedNamingTheDepthLimit(String file) {
        assertThatThrownBy(() -> decryptor.decrypt(corpus(file), keys))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessage("ASN.1 nesting is deeper than 40 levels (limits.maxAsn1Depth)");
    }

    @Test
    void manyIndefiniteLengths_areRefusedNamingTheLimit() {
        assertThatThrownBy(() -> decryptor.decrypt(
                corpus("nasty-many-indefinite-siblings.bin"), keys))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessage("message has more than 256 indefinite-length encodings"
                        + " (limits.maxIndefiniteLengths)");
    }

    @ParameterizedTest
    @ValueSource(strings = {"nasty-huge-length.bin", "nasty-length-8-bytes.bin",
            "nasty-octet-huge.bin", "nasty-truncated.bin", "nasty-empty.bin",
            "nasty-trailing.bin"})
    void lyingLengthsAndTruncation_failLikeAnyMalformedMessage(String file) {
        assertThatThrownBy(() -> decryptor.decrypt(corpus(file), keys))
                .isInstanceOf(DecryptionFailedException.class)
                .hasMessage(DecryptionFailedException.MESSAGE);
    }

    @ParameterizedTest
    @ValueSource(strings = {"rsa-aes256cbc.der", "rsa-aes256gcm-auth.der", "ec-aes128cbc.der"})
    void hugeVersions_failLikeAnyMalformedMessage(String file) throws Exception {
        byte[] message = corpus(file);
        BigInteger huge = CmsVersions.huge(500_000);

        for (byte[] hostile : List.of(CmsVersions.envelope(message, huge),
                CmsVersions.firstRecipient(message, huge),
                CmsVersions.envelope(message, BigInteger.valueOf(5)),
                CmsVersions.firstRecipient(message, BigInteger.valueOf(-1)))) {
            assertThatThrownBy(() -> decryptor.decrypt(hostile, keys))
                    .isInstanceOf(DecryptionFailedException.class)
                    .hasMessage(DecryptionFailedException.MESSAGE)
                    .extracting(e -> ((DecryptionFailedException) e).detail(),
                            as(InstanceOfAssertFactories.STRING))
                    .startsWith("malformed CMS: ");
        }
    }

    @Test
    void versionsRewrittenWithinRange_stillDecrypt() throws Exception {
        // The parser reads only what it needs; a re-encoded envelope of another version in
        // range still passes the guard and decrypts.
        byte[] message = CmsVersions.envelope(corpus("rsa-aes256cbc.der"), BigInteger.TWO);

        DecryptedMessage result = decryptor.decrypt(message, keys);

        assertThat(new String(result.plaintext(), StandardCharsets.US_ASCII))
                .isEqualTo(FuzzKeys.PLAINTEXT);
    }

    @Test
    void aKeyNamedByManyRecipients_costsAtMostEightTokenOperations() throws Exception {
        // Ten key-agreement recipients naming the EC key, none of whose keys unwrap. A review
        // feared one token operation per RecipientInfo (256 at the limit) for one charged
        // call: a failed unwrap lets the next recipient try, up to OpenedEnvelope.MAX_TRIES.
        KeyVersion ec = keys.stream().filter(k -> k.identity().equals(FuzzKeys.EC))
                .findFirst().orElseThrow();
        org.bouncycastle.cms.CMSEnvelopedDataGenerator generator =
                new org.bouncycastle.cms.CMSEnvelopedDataGenerator();
        java.security.KeyPairGenerator ecKeys = java.security.KeyPairGenerator.getInstance("EC");
        ecKeys.initialize(new java.security.spec.ECGenParameterSpec("secp256r1"));
        for (int i = 0; i < 10; i++) {
            java.security.KeyPair other = ecKeys.generateKeyPair();
            java.security.KeyPair sender = ecKeys.generateKeyPair();
            generator.addRecipientInfoGenerator(
                    new org.bouncycastle.cms.jcajce.JceKeyAgreeRecipientInfoGenerator(
                            org.bouncycastle.cms.CMSAlgorithm.ECDH_SHA256KDF, sender.getPrivate(),
                            sender.getPublic(), org.bouncycastle.cms.CMSAlgorithm.AES128_WRAP)
                            .setProvider(new BouncyCastleProvider())
                            .addRecipient(sameNameOtherKey(ec.certificate(), other)));
        }
        byte[] message = generator.generate(new org.bouncycastle.cms.CMSProcessableByteArray(
                FuzzKeys.PLAINTEXT.getBytes(StandardCharsets.US_ASCII)),
                new org.bouncycastle.cms.jcajce.JceCMSContentEncryptorBuilder(
                        org.bouncycastle.cms.CMSAlgorithm.AES128_CBC)
                        .setProvider(new BouncyCastleProvider()).build()).getEncoded();
        java.util.concurrent.atomic.AtomicInteger derivations =
                new java.util.concurrent.atomic.AtomicInteger();
        TokenMeter counting = new TokenMeter() {
            @Override
            public <T, E extends Exception> T measure(
                    org.smimed.daemon.token.TokenMechanism mechanism, Operation<T, E> operation)
                    throws E {
                derivations.incrementAndGet();
                return operation.run();
            }
        };
        CmsDecryptor metered = new CmsDecryptor(fixture.token().provider(),
                new BouncyCastleProvider(), new SecureRandom(), ContentCipher.defaults(),
                MessageLimits.DEFAULTS, counting);

        assertThatThrownBy(() -> metered.decrypt(message, List.of(ec)))
                .isInstanceOf(DecryptionFailedException.class);
        assertThat(derivations).as("private-key operations in the token")
                .hasValue(OpenedEnvelope.MAX_TRIES);
    }

    /** A certificate with {@code real}'s issuer and serial, for another key. */
    private static X509Certificate sameNameOtherKey(X509Certificate real,
                                                    java.security.KeyPair other)
            throws Exception {
        return new org.bouncycastle.cert.jcajce.JcaX509CertificateConverter().getCertificate(
                new org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder(
                        real.getIssuerX500Principal(), real.getSerialNumber(),
                        real.getNotBefore(), real.getNotAfter(),
                        real.getSubjectX500Principal(), other.getPublic())
                        .build(new org.bouncycastle.operator.jcajce.JcaContentSignerBuilder(
                                "SHA256withECDSA").build(other.getPrivate())));
    }

    /** Whether {@code message} decrypted; anything else must be one of the typed refusals. */
    static boolean check(byte[] message) {
        try {
            DecryptedMessage result = decryptor.decrypt(message, keys);
            assertThat(result.plaintext()).isNotNull();
            assertThat(result.key().identity()).isIn(FuzzKeys.RSA, FuzzKeys.EC);
            return true;
        } catch (DecryptionFailedException e) {
            assertThat(e.getMessage()).isEqualTo(DecryptionFailedException.MESSAGE);
            return false;
        } catch (InvalidRequestException e) {
            assertThat(e.getMessage()).isNotBlank();
            return false;
        } catch (Exception e) {
            throw new AssertionError("unexpected " + e, e);
        }
    }

    private static byte[] corpus(String file) throws Exception {
        return Files.readAllBytes(Path.of("src/test/resources/org/smimed/daemon/cms",
                "CmsDecryptorFuzzTestInputs/decrypt", file));
    }
}
