package org.smimed.daemon.cms;

import java.io.IOException;
import java.io.InputStream;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.MessageDigest;
import java.security.Provider;
import java.util.Set;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.cms.GCMParameters;
import org.bouncycastle.asn1.nist.NISTObjectIdentifiers;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.cms.CMSException;
import org.bouncycastle.cms.RecipientOperator;
import org.bouncycastle.crypto.modes.gcm.GCMUtil;

/**
 * AES-GCM content decryption for a streamed AuthEnvelopedData on the JDK's AES and GHASH (the
 * CPU's AES and carry-less multiply instructions) instead of Bouncy Castle's GCM, whose
 * table-driven Java AES was four fifths of the daemon's time on large messages.
 *
 * <p>How: the JDK's GCM <em>decryption</em> holds the whole ciphertext until the tag, which a
 * large message cannot afford, but its <em>encryption</em> streams. So the ciphertext is
 * decrypted in counter mode from J0+1 (exactly GCM's keystream), and the plaintext is
 * re-encrypted by the JDK's GCM under the same key and nonce, which yields the same
 * ciphertext and so the tag of the received ciphertext; that re-encryption's output is thrown
 * away and nothing is ever sent under a reused nonce. Authenticated attributes, which arrive
 * after the content, are added to the tag by {@link LateAad}.
 *
 * <p>Guarantees: plaintext is produced as the ciphertext arrives, and the stream reports its
 * end only after the tag has verified (constant-time comparison); a wrong tag, a short message
 * or any cipher fault is an {@link IOException} from the read that found it. Handles the
 * 96-bit nonces S/MIME uses (RFC 5084 recommends 12 octets) and tags of 12 to 16 octets;
 * anything else ({@link #handles} false) is left to Bouncy Castle.
 */
final class AesGcmDecryptor extends LateAadDecryptor {
    private static final int NONCE_BYTES = 12;
    private static final int MINIMUM_TAG_BYTES = 12;
    private static final int BLOCK = 16;
    private static final Set<ASN1ObjectIdentifier> GCM = Set.of(
            NISTObjectIdentifiers.id_aes128_GCM, NISTObjectIdentifiers.id_aes192_GCM,
            NISTObjectIdentifiers.id_aes256_GCM);

    private final SecretKeySpec key;
    private final byte[] nonce;
    private final int tagBytes;
    private final Provider provider;

    private AesGcmDecryptor(AlgorithmIdentifier algorithm, SecretKeySpec key, byte[] nonce,
                            int tagBytes, Provider provider) {
        super(algorithm);
        this.key = key;
        this.nonce = nonce;
        this.tagBytes = tagBytes;
        this.provider = provider;
    }

    /** Whether {@code algorithm} is AES-GCM with parameters this class handles. */
    static boolean handles(AlgorithmIdentifier algorithm) {
        if (!GCM.contains(algorithm.getAlgorithm())) {
            return false;
        }
        try {
            GCMParameters parameters = GCMParameters.getInstance(algorithm.getParameters());
            return parameters != null && parameters.getNonce().length == NONCE_BYTES
                    && parameters.getIcvLen() >= MINIMUM_TAG_BYTES
                    && parameters.getIcvLen() <= BLOCK;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /**
     * The recipient operator that decrypts content under {@code algorithm} (which
     * {@link #handles}) with {@code key}, AES in {@code provider}; refuses an algorithm outside
     * {@code allowed}, as Bouncy Castle's own recipients do.
     */
    static RecipientOperator operator(AlgorithmIdentifier algorithm, Key key,
                                      Set<ASN1ObjectIdentifier> allowed, Provider provider)
            throws CMSException {
        requireAllowed(algorithm, AesGcmDecryptor::handles, allowed);
        GCMParameters parameters = GCMParameters.getInstance(algorithm.getParameters());
        return new RecipientOperator(new AesGcmDecryptor(algorithm,
                new SecretKeySpec(key.getEncoded(), "AES"), parameters.getNonce(),
                parameters.getIcvLen(), provider));
    }

    @Override
    public InputStream getInputStream(InputStream ciphertextAndTag) {
        try {
            Cipher block = Cipher.getInstance("AES/ECB/NoPadding", provider);
            block.init(Cipher.ENCRYPT_MODE, key);
            byte[] h = block.doFinal(new byte[BLOCK]);
            byte[] counter = new byte[BLOCK];
            System.arraycopy(nonce, 0, counter, 0, NONCE_BYTES);
            // GCM's first keystream block is J0 + 1. Counter mode here carries into the nonce
            // only past 2^32 blocks (64 GiB), beyond what one GCM message may hold.
            counter[BLOCK - 1] = 2;
            Cipher ctr = Cipher.getInstance("AES/CTR/NoPadding", provider);
            ctr.init(Cipher.DECRYPT_MODE, key, new IvParameterSpec(counter));
            Cipher tagger = Cipher.getInstance("AES/GCM/NoPadding", provider);
            tagger.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(BLOCK * 8, nonce));
            return new Stream(ciphertextAndTag, ctr, tagger, h);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES unavailable in " + provider.getName(), e);
        }
    }

    /** Counter-mode plaintext, the tag recomputed beside it (see the class comment). */
    private final class Stream extends TagHoldingStream {
        private final Cipher ctr;
        private final Cipher tagger;
        private final byte[] h;
        /** The re-encryption's output, thrown away: only its tag counts. */
        private byte[] discarded = new byte[0];
        private long ciphertextBytes;

        Stream(InputStream in, Cipher ctr, Cipher tagger, byte[] h) {
            super(in, tagBytes);
            this.ctr = ctr;
            this.tagger = tagger;
            this.h = h;
        }

        @Override
        int decrypt(byte[] ciphertext, int length, byte[] plaintext) throws IOException {
            if (discarded.length < length + 2 * BLOCK) {
                discarded = new byte[length + 2 * BLOCK];
            }
            try {
                int n = ctr.update(ciphertext, 0, length, plaintext, 0);
                tagger.update(plaintext, 0, n, discarded, 0);
                ciphertextBytes += length;
                return n;
            } catch (GeneralSecurityException e) {
                throw new IOException("AES failed", e);
            }
        }

        @Override
        void verify(byte[] received) throws IOException {
            byte[] expected;
            try {
                byte[] last = tagger.doFinal();
                expected = java.util.Arrays.copyOfRange(last, last.length - BLOCK, last.length);
            } catch (GeneralSecurityException e) {
                throw new IOException("AES-GCM failed", e);
            }
            byte[] aad = additionalData();
            if (aad.length > 0) {
                GCMUtil.xor(expected, LateAad.term(h, aad, ciphertextBytes));
            }
            if (!MessageDigest.isEqual(received, java.util.Arrays.copyOf(expected, tagBytes))) {
                throw new IOException("GCM authentication tag mismatch");
            }
            verified(received);
        }
    }
}
