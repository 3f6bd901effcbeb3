package org.smimed.daemon.cms;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.MessageDigest;
import java.security.Provider;
import java.util.Arrays;
import java.util.Set;
import javax.crypto.Cipher;
import javax.crypto.spec.ChaCha20ParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.cms.CMSException;
import org.bouncycastle.cms.RecipientOperator;

/**
 * ChaCha20-Poly1305 content decryption (RFC 8103) for a streamed AuthEnvelopedData.
 *
 * <p>Why not Bouncy Castle's: a streamed AuthEnvelopedData carries its authenticated
 * attributes after the encrypted content, and an AEAD cipher takes its additional data before
 * the ciphertext, so Bouncy Castle's ChaCha20-Poly1305 failed every message with
 * authenticated attributes (an IllegalStateException, "decryption failed" to the caller).
 * Here the content is decrypted with the JDK's ChaCha20 from block 1 (exactly the AEAD's
 * keystream) and the ciphertext is accumulated by an open {@link Poly1305}; Poly1305 is
 * Horner's rule, so the attributes' accumulator, multiplied by r to the number of ciphertext
 * blocks, is added when they are known, then the lengths block and s (RFC 8439 section 2.8).
 *
 * <p>Guarantees: as {@link AesGcmDecryptor}'s: plaintext as the ciphertext arrives, the end
 * of the stream only after the 16-byte tag has verified (constant-time comparison), any fault
 * an {@link IOException} from the read that found it.
 */
final class ChaChaPolyDecryptor extends LateAadDecryptor {
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BYTES = 16;
    private static final int BLOCK = 16;
    private static final ASN1ObjectIdentifier OID =
            PKCSObjectIdentifiers.id_alg_AEADChaCha20Poly1305;

    private final SecretKeySpec key;
    private final byte[] nonce;
    private final Provider provider;

    private ChaChaPolyDecryptor(AlgorithmIdentifier algorithm, SecretKeySpec key, byte[] nonce,
                                Provider provider) {
        super(algorithm);
        this.key = key;
        this.nonce = nonce;
        this.provider = provider;
    }

    /** Whether {@code algorithm} is ChaCha20-Poly1305 with a 12-byte nonce (RFC 8103). */
    static boolean handles(AlgorithmIdentifier algorithm) {
        if (!OID.equals(algorithm.getAlgorithm())) {
            return false;
        }
        try {
            return ASN1OctetString.getInstance(algorithm.getParameters()).getOctets().length
                    == NONCE_BYTES;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** The recipient operator for {@code algorithm} (which {@link #handles}) under {@code key}. */
    static RecipientOperator operator(AlgorithmIdentifier algorithm, Key key,
                                      Set<ASN1ObjectIdentifier> allowed, Provider provider)
            throws CMSException {
        requireAllowed(algorithm, ChaChaPolyDecryptor::handles, allowed);
        byte[] nonce = ASN1OctetString.getInstance(algorithm.getParameters()).getOctets();
        return new RecipientOperator(new ChaChaPolyDecryptor(algorithm,
                new SecretKeySpec(key.getEncoded(), "ChaCha20"), nonce, provider));
    }

    @Override
    public InputStream getInputStream(InputStream ciphertextAndTag) {
        try {
            // Block 0 of the keystream is the Poly1305 key; the content starts at block 1.
            Cipher first = Cipher.getInstance("ChaCha20", provider);
            first.init(Cipher.DECRYPT_MODE, key, new ChaCha20ParameterSpec(nonce, 0));
            byte[] oneTimeKey = first.doFinal(new byte[32]);
            Cipher content = Cipher.getInstance("ChaCha20", provider);
            content.init(Cipher.DECRYPT_MODE, key, new ChaCha20ParameterSpec(nonce, 1));
            return new Stream(ciphertextAndTag, content, oneTimeKey);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("ChaCha20 unavailable in " + provider.getName(), e);
        }
    }

    /**
     * The tag of {@code aad} and a ciphertext of {@code ciphertextBytes} bytes whose
     * accumulator (from zero, over its zero-padded blocks) is {@code ciphertextAccumulator}.
     */
    static byte[] tag(byte[] oneTimeKey, byte[] aad, BigInteger ciphertextAccumulator,
                      long ciphertextBytes) {
        byte[] r = Arrays.copyOf(oneTimeKey, BLOCK);
        BigInteger rValue = new Poly1305(r).r();
        long blocks = (ciphertextBytes + BLOCK - 1) / BLOCK;
        BigInteger h = Poly1305.of(r, aad).multiply(rValue.modPow(BigInteger.valueOf(blocks),
                Poly1305.P)).add(ciphertextAccumulator);
        byte[] lengths = new byte[BLOCK];
        littleEndian(aad.length, lengths, 0);
        littleEndian(ciphertextBytes, lengths, 8);
        h = h.add(Poly1305.littleEndian(lengths)).add(BigInteger.ONE.shiftLeft(128))
                .multiply(rValue).mod(Poly1305.P);
        BigInteger s = Poly1305.littleEndian(Arrays.copyOfRange(oneTimeKey, BLOCK, 2 * BLOCK));
        byte[] big = h.add(s).toByteArray();
        byte[] out = new byte[TAG_BYTES];
        for (int i = 0; i < TAG_BYTES && i < big.length; i++) {
            out[i] = big[big.length - 1 - i];
        }
        return out;
    }

    private static void littleEndian(long value, byte[] out, int off) {
        for (int i = 0; i < 8; i++) {
            out[off + i] = (byte) (value >>> (8 * i));
        }
    }

    /** The JDK's ChaCha20 keystream, the ciphertext accumulated by Poly1305 beside it. */
    private final class Stream extends TagHoldingStream {
        private final Cipher content;
        private final byte[] oneTimeKey;
        private final Poly1305 poly;
        /** Ciphertext bytes not yet a whole block for the MAC. */
        private final byte[] partial = new byte[BLOCK];
        private int partialLength;
        private long ciphertextBytes;

        Stream(InputStream in, Cipher content, byte[] oneTimeKey) {
            super(in, TAG_BYTES);
            this.content = content;
            this.oneTimeKey = oneTimeKey;
            this.poly = new Poly1305(Arrays.copyOf(oneTimeKey, BLOCK));
        }

        @Override
        int decrypt(byte[] ciphertext, int length, byte[] plaintext) throws IOException {
            mac(ciphertext, length);
            ciphertextBytes += length;
            try {
                return content.update(ciphertext, 0, length, plaintext, 0);
            } catch (GeneralSecurityException e) {
                throw new IOException("ChaCha20 failed", e);
            }
        }

        /** Feeds {@code length} ciphertext bytes to the MAC, whole blocks at a time. */
        private void mac(byte[] b, int length) {
            int off = 0;
            if (partialLength > 0) {
                int take = Math.min(BLOCK - partialLength, length);
                System.arraycopy(b, 0, partial, partialLength, take);
                partialLength += take;
                off = take;
                if (partialLength < BLOCK) {
                    return;
                }
                poly.block(partial, 0);
                partialLength = 0;
            }
            for (; off + BLOCK <= length; off += BLOCK) {
                poly.block(b, off);
            }
            partialLength = length - off;
            System.arraycopy(b, off, partial, 0, partialLength);
        }

        @Override
        void verify(byte[] received) throws IOException {
            if (partialLength > 0) {
                Arrays.fill(partial, partialLength, BLOCK, (byte) 0);
                poly.block(partial, 0);
                partialLength = 0;
            }
            byte[] expected = tag(oneTimeKey, additionalData(), poly.accumulator(),
                    ciphertextBytes);
            if (!MessageDigest.isEqual(received, expected)) {
                throw new IOException("ChaCha20-Poly1305 authentication tag mismatch");
            }
            verified(received);
        }
    }
}
