package org.smimed.daemon.cms;

import org.bouncycastle.crypto.modes.gcm.GCMUtil;
import org.bouncycastle.crypto.modes.gcm.Tables1kGCMExponentiator;

/**
 * What additional authenticated data that arrives after the ciphertext adds to a GCM tag.
 *
 * <p>Why: a streamed CMS AuthEnvelopedData carries its authenticated attributes (the AAD)
 * after the encrypted content, while GCM hashes the AAD first. GHASH is linear: over
 * {@code A || C || len(A),len(C)} it equals GHASH over {@code C || 0,len(C)} (the tag of the
 * same ciphertext without AAD) plus {@code GHASH(A)·H^(c+1)} plus {@code (len(A),0)·H}, for
 * {@code c} ciphertext blocks. So the ciphertext is authenticated as it streams and this term
 * is added when the AAD is known — the identity Bouncy Castle's own GCM uses for late AAD;
 * the field arithmetic here is Bouncy Castle's.
 */
final class LateAad {
    private static final int BLOCK = 16;

    private LateAad() {
    }

    /**
     * The term to add (XOR) to the tag computed without AAD.
     *
     * @param h the hash subkey (the block cipher applied to the zero block)
     * @param aad the additional authenticated data, not empty
     * @param ciphertextBytes the length of the ciphertext
     */
    static byte[] term(byte[] h, byte[] aad, long ciphertextBytes) {
        byte[] aadHash = new byte[BLOCK];
        byte[] block = new byte[BLOCK];
        for (int off = 0; off < aad.length; off += BLOCK) {
            java.util.Arrays.fill(block, (byte) 0);
            System.arraycopy(aad, off, block, 0, Math.min(BLOCK, aad.length - off));
            GCMUtil.xor(aadHash, block);
            GCMUtil.multiply(aadHash, h);
        }
        Tables1kGCMExponentiator exponentiator = new Tables1kGCMExponentiator();
        exponentiator.init(h);
        byte[] hPower = new byte[BLOCK];
        exponentiator.exponentiateX((ciphertextBytes + BLOCK - 1) / BLOCK + 1, hPower);
        GCMUtil.multiply(aadHash, hPower);

        byte[] lengths = new byte[BLOCK];
        long aadBits = (long) aad.length * 8;
        for (int i = 0; i < 8; i++) {
            lengths[i] = (byte) (aadBits >>> (56 - 8 * i));
        }
        GCMUtil.multiply(lengths, h);
        GCMUtil.xor(aadHash, lengths);
        return aadHash;
    }
}
