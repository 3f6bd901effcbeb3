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
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.cms.GCMParameters;
import org.bouncycastle.asn1.nist.NISTObjectIdentifiers;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.cms.CMSException;
import org.bouncycastle.cms.RecipientOperator;
import org.bouncycastle.operator.InputAEADDecryptor;

/**
 * AES-GCM content decryption for a streamed AuthEnvelopedData that runs AES in the JDK (the
 * CPU's AES instructions, through counter mode) and GHASH in {@link Ghash}, instead of Bouncy
 * Castle's GCM, whose table-driven Java AES was four fifths of the daemon's time on large
 * messages. The JDK's own GCM cannot be used: it holds the whole ciphertext until the tag.
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
            counter[BLOCK - 1] = 1;
            byte[] maskedJ0 = block.doFinal(counter);
            // GCM's first keystream block is J0 + 1. Counter mode here carries into the nonce
            // only past 2^32 blocks (64 GiB), beyond what one GCM message may hold.
            counter[BLOCK - 1] = 2;
            Cipher ctr = Cipher.getInstance("AES/CTR/NoPadding", provider);
            ctr.init(Cipher.DECRYPT_MODE, key, new IvParameterSpec(counter));
            return new Stream(ciphertextAndTag, ctr, new Ghash(h), maskedJ0);
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

        private final InputStream in;
        private final Cipher ctr;
        private final Ghash ghash;
        private final byte[] maskedJ0;
        private final byte[] window = new byte[BUFFER + BLOCK];
        private final byte[] plaintext = new byte[BUFFER + BLOCK];
        private int windowLength;
        private int position;
        private int available;
        private boolean verified;

        Stream(InputStream in, Cipher ctr, Ghash ghash, byte[] maskedJ0) {
            this.in = in;
            this.ctr = ctr;
            this.ghash = ghash;
            this.maskedJ0 = maskedJ0;
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
            int n = in.read(window, windowLength, window.length - windowLength);
            if (n < 0) {
                verify();
                return;
            }
            windowLength += n;
            int ready = windowLength - tagBytes;
            if (ready <= 0) {
                return;
            }
            ghash.update(window, 0, ready);
            try {
                available = ctr.update(window, 0, ready, plaintext, 0);
            } catch (GeneralSecurityException e) {
                throw new IOException("AES-CTR failed", e);
            }
            position = 0;
            System.arraycopy(window, ready, window, 0, tagBytes);
            windowLength = tagBytes;
        }

        private void verify() throws IOException {
            if (windowLength < tagBytes) {
                throw new IOException("content shorter than its authentication tag");
            }
            byte[] received = java.util.Arrays.copyOf(window, tagBytes);
            byte[] expected = ghash.finish(aad.toByteArray());
            for (int i = 0; i < BLOCK; i++) {
                expected[i] ^= maskedJ0[i];
            }
            if (!MessageDigest.isEqual(received, java.util.Arrays.copyOf(expected, tagBytes))) {
                throw new IOException("GCM authentication tag mismatch");
            }
            tag = received;
            verified = true;
        }
    }
}
