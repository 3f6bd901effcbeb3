package org.smimed.daemon.cms;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
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
import org.bouncycastle.operator.InputAEADDecryptor;

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
final class AesGcmDecryptor implements InputAEADDecryptor {
    private static final int NONCE_BYTES = 12;
    private static final int MINIMUM_TAG_BYTES = 12;
    private static final int BLOCK = 16;
    private static final Set<ASN1ObjectIdentifier> GCM = Set.of(
            NISTObjectIdentifiers.id_aes128_GCM, NISTObjectIdentifiers.id_aes192_GCM,
            NISTObjectIdentifiers.id_aes256_GCM);

    private final AlgorithmIdentifier algorithm;
    private final SecretKeySpec key;
    private final byte[] nonce;
    private final int tagBytes;
    private final Provider provider;
    private final ByteArrayOutputStream aad = new ByteArrayOutputStream();
    private byte[] tag;

    private AesGcmDecryptor(AlgorithmIdentifier algorithm, SecretKeySpec key, byte[] nonce,
                            int tagBytes, Provider provider) {
        this.algorithm = algorithm;
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
        if (!handles(algorithm) || !allowed.contains(algorithm.getAlgorithm())) {
            throw new CMSException("content encryption algorithm not allowed");
        }
        GCMParameters parameters = GCMParameters.getInstance(algorithm.getParameters());
        return new RecipientOperator(new AesGcmDecryptor(algorithm,
                new SecretKeySpec(key.getEncoded(), "AES"), parameters.getNonce(),
                parameters.getIcvLen(), provider));
    }

    @Override
    public AlgorithmIdentifier getAlgorithmIdentifier() {
        return algorithm;
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

    @Override
    public OutputStream getAADStream() {
        return aad;
    }

    @Override
    public byte[] getMAC() {
        return tag == null ? null : tag.clone();
    }

    /** Plaintext out of ciphertext-then-tag in, holding back the last tag-length bytes. */
    private final class Stream extends InputStream {
        private static final int BUFFER = 64 * 1024;
        /**
         * Where the buffers start: most messages are a few KiB, and three 64 KiB buffers per
         * call were most of a small Decrypt's allocation. They grow to {@link #BUFFER} once a
         * read fills them, so a large message is still read in 64 KiB steps.
         */
        private static final int FIRST_BUFFER = 8 * 1024;

        private final InputStream in;
        private final Cipher ctr;
        private final Cipher tagger;
        private final byte[] h;
        private byte[] window = new byte[FIRST_BUFFER + BLOCK];
        private byte[] plaintext = new byte[FIRST_BUFFER + BLOCK];
        private byte[] discarded = new byte[FIRST_BUFFER + 2 * BLOCK];
        private boolean filled;
        private long ciphertextBytes;
        private int windowLength;
        private int position;
        private int available;
        private boolean verified;

        Stream(InputStream in, Cipher ctr, Cipher tagger, byte[] h) {
            this.in = in;
            this.ctr = ctr;
            this.tagger = tagger;
            this.h = h;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            while (position == available) {
                if (verified) {
                    return -1;
                }
                fill();
            }
            int n = Math.min(len, available - position);
            System.arraycopy(plaintext, position, b, off, n);
            position += n;
            return n;
        }

        private void fill() throws IOException {
            if (filled && window.length < BUFFER + BLOCK) {
                // The plaintext is all read (fill runs only then); the window keeps the bytes
                // held back as a possible tag.
                window = java.util.Arrays.copyOf(window, BUFFER + BLOCK);
                plaintext = new byte[BUFFER + BLOCK];
                discarded = new byte[BUFFER + 2 * BLOCK];
            }
            int n = in.read(window, windowLength, window.length - windowLength);
            if (n < 0) {
                verify();
                return;
            }
            windowLength += n;
            filled = windowLength == window.length;
            int ready = windowLength - tagBytes;
            if (ready <= 0) {
                return;
            }
            try {
                available = ctr.update(window, 0, ready, plaintext, 0);
                tagger.update(plaintext, 0, available, discarded, 0);
            } catch (GeneralSecurityException e) {
                throw new IOException("AES failed", e);
            }
            ciphertextBytes += ready;
            position = 0;
            System.arraycopy(window, ready, window, 0, tagBytes);
            windowLength = tagBytes;
        }

        private void verify() throws IOException {
            if (windowLength < tagBytes) {
                throw new IOException("content shorter than its authentication tag");
            }
            byte[] received = java.util.Arrays.copyOf(window, tagBytes);
            byte[] expected;
            try {
                byte[] last = tagger.doFinal();
                expected = java.util.Arrays.copyOfRange(last, last.length - BLOCK, last.length);
            } catch (GeneralSecurityException e) {
                throw new IOException("AES-GCM failed", e);
            }
            if (aad.size() > 0) {
                GCMUtil.xor(expected, LateAad.term(h, aad.toByteArray(), ciphertextBytes));
            }
            if (!MessageDigest.isEqual(received, java.util.Arrays.copyOf(expected, tagBytes))) {
                throw new IOException("GCM authentication tag mismatch");
            }
            tag = received;
            verified = true;
        }
    }
}
