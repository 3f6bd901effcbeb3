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
import java.util.Set;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.cms.GCMParameters;
import org.bouncycastle.asn1.nist.NISTObjectIdentifiers;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.cms.CMSException;
import org.bouncycastle.cms.RecipientOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The streaming AES-GCM decryptor against the JDK's own GCM as the reference: same plaintext
 * for every length and tag size, the additional data arriving after the content (as a streamed
 * AuthEnvelopedData delivers it), and every kind of tampering refused at the end.
 */
class AesGcmDecryptorTest {
    private static final Provider JDK = Security.getProvider("SunJCE");
    private static final ASN1ObjectIdentifier AES256_GCM = NISTObjectIdentifiers.id_aes256_GCM;
    private static final Set<ASN1ObjectIdentifier> ALLOWED = Set.of(AES256_GCM,
            NISTObjectIdentifiers.id_aes128_GCM);
    private final SecureRandom random = new SecureRandom();

    @ParameterizedTest(name = "{0} bytes, {1}-byte tag, {2}-byte AAD, reads of {3}")
    @CsvSource({"0,16,0,4096", "1,16,0,4096", "15,12,0,1", "16,13,5,7", "17,14,16,4096",
        "100,15,33,3", "65535,16,0,65536", "65536,16,1,4096", "65537,12,300,100000",
        "1048609,16,17,8192",
        // Around the first 8 KiB buffer (8 KiB + 16 holds a 16-byte tag) and its growth.
        "8192,16,0,4096", "8193,12,3,8192", "8192,16,0,100000", "8200,16,0,1",
        "73744,16,5,4096"})
    void decrypts_whatTheJdkEncrypted(int length, int tagBytes, int aadBytes, int readSize)
            throws Exception {
        Vector v = vector(length, tagBytes, aadBytes);

        byte[] plaintext = decrypt(v, v.sealed(), readSize);

        assertThat(plaintext).isEqualTo(v.plaintext());
    }

    @Test
    void aes128_decryptsToo() throws Exception {
        Vector v = vector(5000, 16, 20, NISTObjectIdentifiers.id_aes128_GCM, 16);

        assertThat(decrypt(v, v.sealed(), 4096)).isEqualTo(v.plaintext());
    }

    @Test
    void flippedCiphertextBit_failsAtTheEnd() throws Exception {
        Vector v = vector(100_000, 16, 0);
        byte[] sealed = v.sealed();
        sealed[70_000] ^= 0x01;

        assertThatThrownBy(() -> decrypt(v, sealed, 4096)).isInstanceOf(IOException.class)
                .hasMessage("GCM authentication tag mismatch");
    }

    @Test
    void flippedTagBit_fails() throws Exception {
        Vector v = vector(1000, 12, 0);
        byte[] sealed = v.sealed();
        sealed[sealed.length - 1] ^= (byte) 0x80;

        assertThatThrownBy(() -> decrypt(v, sealed, 4096)).isInstanceOf(IOException.class)
                .hasMessage("GCM authentication tag mismatch");
    }

    @Test
    void changedAdditionalData_fails() throws Exception {
        Vector v = vector(1000, 16, 40);
        Vector other = new Vector(v.algorithm(), v.key(), v.plaintext(), v.aad().clone(),
                v.sealed());
        other.aad()[39] ^= 0x01;

        assertThatThrownBy(() -> decrypt(other, v.sealed(), 4096))
                .isInstanceOf(IOException.class).hasMessage("GCM authentication tag mismatch");
    }

    @Test
    void contentShorterThanTag_fails() throws Exception {
        Vector v = vector(0, 16, 0);
        byte[] sealed = java.util.Arrays.copyOf(v.sealed(), 10);

        assertThatThrownBy(() -> decrypt(v, sealed, 4096)).isInstanceOf(IOException.class)
                .hasMessage("content shorter than its authentication tag");
    }

    @Test
    void truncatedMessage_fails() throws Exception {
        Vector v = vector(10_000, 16, 0);
        byte[] sealed = java.util.Arrays.copyOf(v.sealed(), v.sealed().length - 1);

        assertThatThrownBy(() -> decrypt(v, sealed, 4096)).isInstanceOf(IOException.class);
    }

    @Test
    void unusualParameters_areLeftToBouncyCastle() {
        assertThat(AesGcmDecryptor.handles(algorithm(AES256_GCM, 12, 16))).isTrue();
        assertThat(AesGcmDecryptor.handles(algorithm(AES256_GCM, 12, 8))).isFalse();
        assertThat(AesGcmDecryptor.handles(algorithm(AES256_GCM, 16, 12))).isFalse();
        assertThat(AesGcmDecryptor.handles(algorithm(
                NISTObjectIdentifiers.id_aes256_CBC, 12, 16))).isFalse();
    }

    @Test
    void algorithmOutsideTheAllowedOnes_isRefused() {
        AlgorithmIdentifier aes192 = algorithm(NISTObjectIdentifiers.id_aes192_GCM, 16, 12);

        assertThatThrownBy(() -> AesGcmDecryptor.operator(aes192,
                new SecretKeySpec(new byte[24], "AES"), ALLOWED, JDK))
                .isInstanceOf(CMSException.class)
                .hasMessage("content encryption algorithm not allowed");
    }

    /** Decrypts as Bouncy Castle's streaming parser drives it: AAD written when content ends. */
    private static byte[] decrypt(Vector v, byte[] sealed, int readSize) throws Exception {
        RecipientOperator operator = AesGcmDecryptor.operator(v.algorithm(),
                new SecretKeySpec(v.key(), "AES"), ALLOWED, JDK);
        InputStream lateAad = new InputStream() {
            private final InputStream content = new ByteArrayInputStream(sealed);

            @Override
            public int read() throws IOException {
                throw new UnsupportedOperationException();
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                int n = content.read(b, off, len);
                if (n < 0) {
                    operator.getAADStream().write(v.aad());
                }
                return n;
            }
        };
        InputStream plaintext = operator.getInputStream(lateAad);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[readSize];
        for (int n; (n = plaintext.read(buffer)) >= 0; ) {
            out.write(buffer, 0, n);
        }
        return out.toByteArray();
    }

    private Vector vector(int length, int tagBytes, int aadBytes) throws Exception {
        return vector(length, tagBytes, aadBytes, AES256_GCM, 32);
    }

    private Vector vector(int length, int tagBytes, int aadBytes, ASN1ObjectIdentifier oid,
                          int keyBytes) throws Exception {
        byte[] key = bytes(keyBytes);
        byte[] nonce = bytes(12);
        byte[] plaintext = bytes(length);
        byte[] aad = bytes(aadBytes);
        Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding", JDK);
        gcm.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"),
                new GCMParameterSpec(tagBytes * 8, nonce));
        gcm.updateAAD(aad);
        byte[] sealed = gcm.doFinal(plaintext);
        AlgorithmIdentifier algorithm = new AlgorithmIdentifier(oid,
                new GCMParameters(nonce, tagBytes));
        return new Vector(algorithm, key, plaintext, aad, sealed);
    }

    private static AlgorithmIdentifier algorithm(ASN1ObjectIdentifier oid, int nonceBytes,
                                                 int tagBytes) {
        // Encoded by hand: Bouncy Castle will not build the parameters a hostile sender might.
        return new AlgorithmIdentifier(oid, new DERSequence(new ASN1Encodable[] {
            new DEROctetString(new byte[nonceBytes]), new ASN1Integer(tagBytes)}));
    }

    private byte[] bytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    private record Vector(AlgorithmIdentifier algorithm, byte[] key, byte[] plaintext,
                          byte[] aad, byte[] sealed) {
    }
}
