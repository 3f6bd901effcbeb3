package org.smimed.daemon.cms;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.Provider;
import java.security.SecureRandom;
import java.security.Security;
import java.util.HexFormat;
import java.util.Set;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.cms.RecipientOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * ChaCha20-Poly1305 with the additional data given after the ciphertext, against RFC 8439's
 * vectors and the JDK's own AEAD (which takes the additional data first) as the oracle.
 */
class ChaChaPolyDecryptorTest {
    private static final HexFormat HEX = HexFormat.of();
    private static final Provider JDK = Security.getProvider("SunJCE");
    private static final SecureRandom RANDOM = new SecureRandom();

    /** RFC 8439 section 2.5.2. */
    @Test
    void poly1305_matchesTheRfcVector() {
        byte[] key = HEX.parseHex("85d6be7857556d337f4452fe42d506a8"
                + "0103808afb0db2fd4abff6af4149f51b");
        byte[] message = "Cryptographic Forum Research Group".getBytes();
        Poly1305 poly = new Poly1305(java.util.Arrays.copyOf(key, 16));
        byte[] block = new byte[16];
        int off = 0;
        for (; off + 16 <= message.length; off += 16) {
            poly.block(message, off);
        }
        // The RFC's last block is short: its 0x01 goes right after it, not at 2^128.
        java.math.BigInteger h = poly.accumulator();
        System.arraycopy(message, off, block, 0, message.length - off);
        java.math.BigInteger last = Poly1305.littleEndian(block)
                .add(java.math.BigInteger.ONE.shiftLeft(8 * (message.length - off)));
        h = h.add(last).multiply(poly.r()).mod(Poly1305.P)
                .add(Poly1305.littleEndian(java.util.Arrays.copyOfRange(key, 16, 32)));
        byte[] big = h.toByteArray();
        byte[] tag = new byte[16];
        for (int i = 0; i < 16; i++) {
            tag[i] = big[big.length - 1 - i];
        }

        assertThat(HEX.formatHex(tag)).isEqualTo("a8061dc1305136c6c22b8baf0c0127a9");
    }

    /** RFC 8439 section 2.8.2: the AEAD vector, its additional data given last. */
    @Test
    void aead_matchesTheRfcVector() throws Exception {
        byte[] key = HEX.parseHex("808182838485868788898a8b8c8d8e8f"
                + "909192939495969798999a9b9c9d9e9f");
        byte[] nonce = HEX.parseHex("070000004041424344454647");
        byte[] aad = HEX.parseHex("50515253c0c1c2c3c4c5c6c7");
        byte[] ciphertext = HEX.parseHex("d31a8d34648e60db7b86afbc53ef7ec2"
                + "a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb69da92728b"
                + "1a71de0a9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58"
                + "fab324e4fad675945585808b4831d7bc3ff4def08e4b7a9de576d26586cec64b"
                + "6116" + "1ae10b594f09e26a7e902ecbd0600691");

        byte[] plaintext = decrypt(key, nonce, ciphertext, aad, 7);

        assertThat(new String(plaintext, java.nio.charset.StandardCharsets.US_ASCII))
                .startsWith("Ladies and Gentlemen of the class of '99: If I could offer you"
                        + " only one tip for the future, sunscreen would be it.");
    }

    @ParameterizedTest(name = "{0} bytes, {1} bytes of additional data, reads of {2}")
    @CsvSource({"0,0,1", "0,12,5", "1,0,1", "15,1,4", "16,16,16", "17,33,3", "64,100,64",
        "1000,7,999", "70000,45,8192", "200003,0,65536", "131072,16,100000"})
    void anySize_decryptsWhatTheJdksAeadEncrypted(int length, int aadLength, int readSize)
            throws Exception {
        byte[] key = random(32);
        byte[] nonce = random(12);
        byte[] aad = random(aadLength);
        byte[] plaintext = random(length);

        byte[] sealed = seal(key, nonce, aad, plaintext);

        assertThat(decrypt(key, nonce, sealed, aad, readSize)).isEqualTo(plaintext);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"ciphertext", "tag", "additional data", "truncated", "no additional data"})
    void anyChange_failsBeforeTheEnd(String change) throws Exception {
        byte[] key = random(32);
        byte[] nonce = random(12);
        byte[] aad = random(20);
        byte[] sealed = seal(key, nonce, aad, random(5000));
        byte[] givenAad = aad;
        switch (change) {
            case "ciphertext" -> sealed[1234] ^= 1;
            case "tag" -> sealed[sealed.length - 1] ^= (byte) 0x80;
            case "additional data" -> givenAad = xorFirst(aad);
            case "truncated" -> sealed = java.util.Arrays.copyOf(sealed, sealed.length - 1);
            default -> givenAad = new byte[0];
        }
        byte[] finalSealed = sealed;
        byte[] finalAad = givenAad;

        assertThatThrownBy(() -> decrypt(key, nonce, finalSealed, finalAad, 4096))
                .isInstanceOf(IOException.class).hasMessageContaining("tag");
    }

    /**
     * Decrypts through the operator the daemon's recipients use, reading {@code readSize}
     * bytes at a time. The additional data is only used once the ciphertext has ended, which
     * is when Bouncy Castle's parser has written the attributes; here it is written first.
     */
    private static byte[] decrypt(byte[] key, byte[] nonce, byte[] sealed, byte[] aad,
                                  int readSize) throws Exception {
        AlgorithmIdentifier algorithm = new AlgorithmIdentifier(
                PKCSObjectIdentifiers.id_alg_AEADChaCha20Poly1305, new DEROctetString(nonce));
        assertThat(ChaChaPolyDecryptor.handles(algorithm)).isTrue();
        RecipientOperator operator = ChaChaPolyDecryptor.operator(algorithm,
                new SecretKeySpec(key, "ChaCha20"),
                Set.of(PKCSObjectIdentifiers.id_alg_AEADChaCha20Poly1305), JDK);
        InputStream in = operator.getInputStream(new ByteArrayInputStream(sealed));
        operator.getAADStream().write(aad);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[readSize];
        int n;
        while ((n = in.read(buffer)) >= 0) {
            out.write(buffer, 0, n);
        }
        return out.toByteArray();
    }

    private static byte[] seal(byte[] key, byte[] nonce, byte[] aad, byte[] plaintext)
            throws Exception {
        Cipher cipher = Cipher.getInstance("ChaCha20-Poly1305", JDK);
        cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "ChaCha20"),
                new IvParameterSpec(nonce));
        cipher.updateAAD(aad);
        return cipher.doFinal(plaintext);
    }

    private static byte[] xorFirst(byte[] data) {
        byte[] copy = data.clone();
        copy[0] ^= 1;
        return copy;
    }

    private static byte[] random(int length) {
        byte[] b = new byte[length];
        RANDOM.nextBytes(b);
        return b;
    }
}
