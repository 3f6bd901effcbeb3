package org.smimed.daemon.cms;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.spec.MGF1ParameterSpec;
import javax.crypto.Cipher;
import javax.crypto.spec.OAEPParameterSpec;
import javax.crypto.spec.PSource;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The constant-time OAEP decoding against Bouncy Castle's OAEP encryption as the peer. */
class OaepDecodingTest {
    private static final BouncyCastleProvider BC = new BouncyCastleProvider();
    private static final SecureRandom RANDOM = new SecureRandom();
    private static KeyPair rsa;

    @BeforeAll
    static void key() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048, RANDOM);
        rsa = generator.generateKeyPair();
    }

    @ParameterizedTest(name = "{0} label={1}")
    @CsvSource({"SHA-1, ''", "SHA-256, ''", "SHA-384, ''", "SHA-512, ''", "SHA-256, invoices",
        "SHA-224, x"})
    void decode_bouncyCastleEncoding_givesTheKey(String hash, String label) throws Exception {
        byte[] cek = random(32);
        byte[] encoded = rawDecrypt(encrypt(cek, hash, label));

        assertThat(decode(encoded, hash, label, 32)).isEqualTo(cek);
    }

    @Test
    void decode_wrongLabel_givesSubstitute() throws Exception {
        byte[] encoded = rawDecrypt(encrypt(random(32), "SHA-256", "a"));

        assertThat(decode(encoded, "SHA-256", "b", 32)).isEqualTo(substitute(32));
    }

    @Test
    void decode_wrongHash_givesSubstitute() throws Exception {
        byte[] encoded = rawDecrypt(encrypt(random(32), "SHA-256", ""));

        assertThat(decode(encoded, "SHA-1", "", 32)).isEqualTo(substitute(32));
    }

    @Test
    void decode_keyOfAnotherLength_givesSubstitute() throws Exception {
        byte[] encoded = rawDecrypt(encrypt(random(16), "SHA-256", ""));

        assertThat(decode(encoded, "SHA-256", "", 32)).isEqualTo(substitute(32));
    }

    @Test
    void decode_nonZeroLeadingByte_givesSubstitute() throws Exception {
        byte[] encoded = rawDecrypt(encrypt(random(32), "SHA-256", ""));
        encoded[0] = 1;

        assertThat(decode(encoded, "SHA-256", "", 32)).isEqualTo(substitute(32));
    }

    @Test
    void decode_corruptedCiphertext_givesSubstitute() throws Exception {
        byte[] ciphertext = encrypt(random(32), "SHA-256", "");
        ciphertext[100] ^= 0x01;

        assertThat(decode(rawDecrypt(ciphertext), "SHA-256", "", 32)).isEqualTo(substitute(32));
    }

    private static byte[] decode(byte[] encoded, String hash, String label, int length)
            throws Exception {
        return OaepDecoding.decodeOrSubstitute(encoded, MessageDigest.getInstance(hash, BC),
                MessageDigest.getInstance(hash, BC), label.getBytes(StandardCharsets.UTF_8),
                substitute(length));
    }

    private static byte[] substitute(int length) {
        byte[] s = new byte[length];
        java.util.Arrays.fill(s, (byte) 0x5a);
        return s;
    }

    private static byte[] encrypt(byte[] cek, String hash, String label) throws Exception {
        Cipher oaep = Cipher.getInstance("RSA/NONE/OAEPPadding", BC);
        oaep.init(Cipher.ENCRYPT_MODE, rsa.getPublic(), new OAEPParameterSpec(hash, "MGF1",
                new MGF1ParameterSpec(hash),
                new PSource.PSpecified(label.getBytes(StandardCharsets.UTF_8))), RANDOM);
        return oaep.doFinal(cek);
    }

    /** Raw RSA as the token does it, left-padded to the modulus length. */
    private static byte[] rawDecrypt(byte[] ciphertext) throws Exception {
        Cipher raw = Cipher.getInstance("RSA/ECB/NoPadding");
        raw.init(Cipher.DECRYPT_MODE, rsa.getPrivate());
        byte[] out = raw.doFinal(ciphertext);
        byte[] padded = new byte[256];
        System.arraycopy(out, 0, padded, 256 - out.length, out.length);
        return padded;
    }

    private static byte[] random(int length) {
        byte[] b = new byte[length];
        RANDOM.nextBytes(b);
        return b;
    }
}
