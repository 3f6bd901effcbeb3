package org.smimed.daemon.cms;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Key;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.CertificateFactory;
import java.security.interfaces.RSAPublicKey;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.smimed.daemon.testing.SoftHsm;
import org.smimed.daemon.testing.TestDeployment;
import org.smimed.daemon.token.Pkcs11Library;
import org.smimed.daemon.token.Pkcs11Token;
import org.smimed.daemon.token.TokenKeyHandles;
import org.smimed.daemon.token.TokenMechanism;
import org.smimed.daemon.token.TokenMeter;

/**
 * RSA PKCS#1 v1.5 key transport against Bleichenbacher-style oracles, with the key in
 * SoftHSM2: a broken padding and a wrong-length key look to the token (and to its metric)
 * exactly like a valid one, and each ciphertext gets one substitute key, every time.
 */
class RsaKeyTransportSoftHsmTest {
    private static final SecureRandom RANDOM = new SecureRandom();

    @TempDir
    static Path dir;
    private static Pkcs11Token session;
    private static PrivateKey key;
    private static RSAPublicKey publicKey;

    private final List<String> tokenCalls = Collections.synchronizedList(new ArrayList<>());
    private RsaKeyTransport transport;

    @BeforeAll
    static void provision() throws Exception {
        SoftHsm.Token token = SoftHsm.createToken("transport");
        TestDeployment.provision(dir, token);
        session = Pkcs11Token.login(Pkcs11Library.load(SoftHsm.LIBRARY), token.label(),
                token.pin().toCharArray());
        key = new TokenKeyHandles(session).load().get(TestDeployment.RSA + "/v1");
        try (InputStream in = Files.newInputStream(dir.resolve("pki/" + TestDeployment.RSA
                + ".crt"))) {
            publicKey = (RSAPublicKey) CertificateFactory.getInstance("X.509")
                    .generateCertificate(in).getPublicKey();
        }
    }

    @BeforeEach
    void transport() {
        TokenMeter recording = new TokenMeter() {
            @Override
            public <T, E extends Exception> T measure(TokenMechanism mechanism,
                                                      Operation<T, E> operation) throws E {
                try {
                    T result = operation.run();
                    tokenCalls.add(mechanism + " ok");
                    return result;
                } catch (Exception e) {
                    tokenCalls.add(mechanism + " error");
                    throw e;
                }
            }
        };
        transport = new RsaKeyTransport(session.provider(),
                new ImplicitRejection(session.provider(), RANDOM, recording), recording);
    }

    @Test
    void validPadding_givesTheSendersKey() {
        byte[] cek = random(32);

        Key recovered = transport.recover(key, publicKey, ContentCipher.AES256_CBC,
                encrypt(block(cek, 2)));

        assertThat(recovered.getEncoded()).isEqualTo(cek);
        assertThat(recovered.getAlgorithm()).isEqualTo("AES");
    }

    @Test
    void brokenEncodings_lookToTheTokenLikeValidOnes() {
        List<byte[]> blocks = List.of(block(random(32), 2), block(random(32), 1),
                block(random(16), 2), withZeroInPadding(block(random(32), 2)),
                withoutSeparator(block(random(32), 2)), blockTypeZero(block(random(32), 2)));

        for (byte[] block : blocks) {
            transport.recover(key, publicKey, ContentCipher.AES256_CBC, encrypt(block));
        }

        assertThat(tokenCalls).as("one secret derivation, then one raw RSA per message")
                .hasSize(blocks.size() + 1)
                .allMatch(call -> call.equals(TokenMechanism.RSA_X509_DECRYPT + " ok"));
    }

    @Test
    void brokenEncoding_getsOneSubstitute_everyTime() {
        byte[] badType = encrypt(block(random(32), 1));
        byte[] shortKey = encrypt(block(random(16), 2));

        byte[] first = transport.recover(key, publicKey, ContentCipher.AES256_CBC, badType)
                .getEncoded();
        byte[] again = transport.recover(key, publicKey, ContentCipher.AES256_CBC, badType)
                .getEncoded();
        byte[] other = transport.recover(key, publicKey, ContentCipher.AES256_CBC, shortKey)
                .getEncoded();

        assertThat(first).hasSize(32).isEqualTo(again).isNotEqualTo(other);
        assertThat(other).hasSize(32);
        // Another process (another replica) with the same key derives the same substitute.
        RsaKeyTransport elsewhere = new RsaKeyTransport(session.provider(),
                new ImplicitRejection(session.provider(), RANDOM, TokenMeter.none()),
                TokenMeter.none());
        assertThat(elsewhere.recover(key, publicKey, ContentCipher.AES256_CBC, badType)
                .getEncoded()).isEqualTo(first);
    }

    @Test
    void aKeyOfAnotherLength_isReplacedByTheSubstitute() {
        byte[] cek16 = random(16);

        byte[] recovered = transport.recover(key, publicKey, ContentCipher.AES256_CBC,
                encrypt(block(cek16, 2))).getEncoded();

        assertThat(recovered).hasSize(32);
        assertThat(java.util.Arrays.copyOfRange(recovered, 16, 32)).isNotEqualTo(cek16);
    }

    /**
     * One ciphertext sent under two schemes: had a broken PKCS#1 padding and a failed OAEP
     * check the same substitute, equal answers would tell a broken padding from a valid one
     * (a Bleichenbacher oracle found by a security review). Likewise two key lengths: the
     * shorter substitute is no prefix of the longer.
     */
    @Test
    void oneCiphertext_getsUnrelatedSubstitutes_perSchemeAndKeyLength() throws Exception {
        byte[] broken = encrypt(block(random(32), 1));
        OaepKeyTransport oaepTransport = new OaepKeyTransport(session.provider(),
                new org.bouncycastle.jce.provider.BouncyCastleProvider(),
                new ImplicitRejection(session.provider(), RANDOM, TokenMeter.none()),
                TokenMeter.none());

        byte[] pkcs1 = transport.recover(key, publicKey, ContentCipher.AES256_CBC, broken)
                .getEncoded();
        byte[] oaepSha256 = oaepTransport.recover(key, publicKey,
                oaep(org.bouncycastle.asn1.nist.NISTObjectIdentifiers.id_sha256),
                ContentCipher.AES256_CBC, broken).getEncoded();
        byte[] oaepSha1 = oaepTransport.recover(key, publicKey,
                oaep(org.bouncycastle.asn1.oiw.OIWObjectIdentifiers.idSHA1),
                ContentCipher.AES256_CBC, broken).getEncoded();
        byte[] pkcs1Short = transport.recover(key, publicKey, ContentCipher.AES128_CBC, broken)
                .getEncoded();

        assertThat(List.of(pkcs1, oaepSha256, oaepSha1)).doesNotHaveDuplicates()
                .allSatisfy(cek -> assertThat(cek).hasSize(32));
        assertThat(oaepSha256).isEqualTo(oaepTransport.recover(key, publicKey,
                oaep(org.bouncycastle.asn1.nist.NISTObjectIdentifiers.id_sha256),
                ContentCipher.AES256_CBC, broken).getEncoded());
        assertThat(pkcs1Short).hasSize(16)
                .isNotEqualTo(java.util.Arrays.copyOf(pkcs1, 16));
    }

    /** id-RSAES-OAEP with {@code hash} for the digest and MGF1, the empty label. */
    private static org.bouncycastle.asn1.x509.AlgorithmIdentifier oaep(
            org.bouncycastle.asn1.ASN1ObjectIdentifier hash) {
        var digest = new org.bouncycastle.asn1.x509.AlgorithmIdentifier(hash,
                org.bouncycastle.asn1.DERNull.INSTANCE);
        return new org.bouncycastle.asn1.x509.AlgorithmIdentifier(
                org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers.id_RSAES_OAEP,
                new org.bouncycastle.asn1.pkcs.RSAESOAEPparams(digest,
                        new org.bouncycastle.asn1.x509.AlgorithmIdentifier(
                                org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers.id_mgf1, digest),
                        org.bouncycastle.asn1.pkcs.RSAESOAEPparams.DEFAULT_P_SOURCE_ALGORITHM));
    }

    /**
     * About one ciphertext in 256 starts with a zero byte, which some senders drop; OpenSSL
     * pads it back, and so must the daemon (found by an interop trial: the token refused it).
     */
    @Test
    void aCiphertextWithoutItsLeadingZero_givesTheSendersKey_pkcs1AndOaep() throws Exception {
        byte[] cek = random(32);
        byte[] stripped = withoutLeadingZero(() -> encrypt(block(cek, 2)));

        assertThat(transport.recover(key, publicKey, ContentCipher.AES256_CBC, stripped)
                .getEncoded()).isEqualTo(cek);

        javax.crypto.Cipher oaep = javax.crypto.Cipher.getInstance("RSA/ECB/OAEPPadding");
        oaep.init(javax.crypto.Cipher.ENCRYPT_MODE, publicKey, new javax.crypto.spec
                .OAEPParameterSpec("SHA-256", "MGF1", java.security.spec.MGF1ParameterSpec.SHA256,
                javax.crypto.spec.PSource.PSpecified.DEFAULT));
        byte[] strippedOaep = withoutLeadingZero(() -> oaep.doFinal(cek));
        var sha256 = new org.bouncycastle.asn1.x509.AlgorithmIdentifier(
                org.bouncycastle.asn1.nist.NISTObjectIdentifiers.id_sha256,
                org.bouncycastle.asn1.DERNull.INSTANCE);
        var parameters = new org.bouncycastle.asn1.x509.AlgorithmIdentifier(
                org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers.id_RSAES_OAEP,
                new org.bouncycastle.asn1.pkcs.RSAESOAEPparams(sha256,
                        new org.bouncycastle.asn1.x509.AlgorithmIdentifier(
                                org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers.id_mgf1, sha256),
                        org.bouncycastle.asn1.pkcs.RSAESOAEPparams.DEFAULT_P_SOURCE_ALGORITHM));
        OaepKeyTransport oaepTransport = new OaepKeyTransport(session.provider(),
                new org.bouncycastle.jce.provider.BouncyCastleProvider(),
                new ImplicitRejection(session.provider(), RANDOM, TokenMeter.none()),
                TokenMeter.none());

        assertThat(oaepTransport.recover(key, publicKey, parameters, ContentCipher.AES256_CBC,
                strippedOaep).getEncoded()).isEqualTo(cek);
        // CMS requires the parameters; without them the log says so (no stack trace).
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> oaepTransport.recover(key,
                publicKey, new org.bouncycastle.asn1.x509.AlgorithmIdentifier(
                        org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers.id_RSAES_OAEP),
                ContentCipher.AES256_CBC, strippedOaep))
                .isInstanceOf(org.bouncycastle.cms.CMSException.class)
                .hasMessageStartingWith("RSAES-OAEP parameters are missing");
    }

    /**
     * A short ciphertext is the same number as its zero-padded twin, and gets the same answer:
     * with a broken padding, the same substitute (found by a review: derived from the bytes as
     * sent, the two differed, which told a broken padding from a valid one).
     */
    @Test
    void aShortCiphertextAndItsZeroPaddedTwin_getTheSameSubstitute() throws Exception {
        byte[] stripped = withoutLeadingZero(() -> encrypt(block(random(32), 1)));
        byte[] padded = new byte[stripped.length + 1];
        System.arraycopy(stripped, 0, padded, 1, stripped.length);

        byte[] fromShort = transport.recover(key, publicKey, ContentCipher.AES256_CBC, stripped)
                .getEncoded();
        byte[] fromFull = transport.recover(key, publicKey, ContentCipher.AES256_CBC, padded)
                .getEncoded();

        assertThat(fromShort).hasSize(32).isEqualTo(fromFull);
    }

    private interface Encryption {
        byte[] encrypt() throws Exception;
    }

    /** Encrypts until the ciphertext starts with a zero byte, and returns it without. */
    private static byte[] withoutLeadingZero(Encryption encryption) throws Exception {
        for (int i = 0; i < 20_000; i++) {
            byte[] c = encryption.encrypt();
            if (c[0] == 0) {
                return java.util.Arrays.copyOfRange(c, 1, c.length);
            }
        }
        throw new AssertionError("no ciphertext with a leading zero in 20,000 tries");
    }

    /** EME-PKCS1-v1_5 with a nonzero random padding string, block type {@code type}. */
    private static byte[] block(byte[] message, int type) {
        int k = (publicKey.getModulus().bitLength() + 7) / 8;
        byte[] em = new byte[k];
        em[1] = (byte) type;
        for (int i = 2; i < k - message.length - 1; i++) {
            em[i] = (byte) (1 + RANDOM.nextInt(255));
        }
        System.arraycopy(message, 0, em, k - message.length, message.length);
        return em;
    }

    private static byte[] withZeroInPadding(byte[] em) {
        em[20] = 0; // the message then starts early: too long for the content key
        return em;
    }

    private static byte[] withoutSeparator(byte[] em) {
        em[em.length - 33] = 7;
        return em;
    }

    private static byte[] blockTypeZero(byte[] em) {
        em[1] = 0; // a nonzero byte 0 could exceed the modulus; break the type byte instead
        return em;
    }

    private static byte[] encrypt(byte[] em) {
        BigInteger c = new BigInteger(1, em).modPow(publicKey.getPublicExponent(),
                publicKey.getModulus());
        int k = em.length;
        byte[] raw = c.toByteArray();
        byte[] out = new byte[k];
        int length = Math.min(raw.length, k);
        System.arraycopy(raw, raw.length - length, out, k - length, length);
        return out;
    }

    private static byte[] random(int length) {
        byte[] bytes = new byte[length];
        RANDOM.nextBytes(bytes);
        return bytes;
    }
}
