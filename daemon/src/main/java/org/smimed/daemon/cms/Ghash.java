package org.smimed.daemon.cms;

import org.bouncycastle.crypto.modes.gcm.GCMMultiplier;
import org.bouncycastle.crypto.modes.gcm.GCMUtil;
import org.bouncycastle.crypto.modes.gcm.Tables1kGCMExponentiator;
import org.bouncycastle.crypto.modes.gcm.Tables8kGCMMultiplier;

/**
 * GHASH (NIST SP 800-38D, 6.4) over a GCM message's ciphertext as it streams past, with the
 * additional authenticated data folded in at the end.
 *
 * <p>Why the AAD comes last: a streamed CMS AuthEnvelopedData carries its authenticated
 * attributes (the AAD) after the encrypted content. GHASH over {@code A || C || lengths} equals
 * {@code GHASH(A)·H^(c+1) ⊕ GHASH(C || lengths)} for {@code c} ciphertext blocks, so the
 * ciphertext is hashed as it arrives and the AAD's share is multiplied in by {@code H^c} when
 * it is known — the same identity Bouncy Castle's own GCM uses for late AAD. The field
 * arithmetic is Bouncy Castle's (table multiplier, exponentiator).
 */
final class Ghash {
    private static final int BLOCK = 16;

    private final byte[] h;
    private final GCMMultiplier multiplier = new Tables8kGCMMultiplier();
    private final byte[] state = new byte[BLOCK];
    private final byte[] partial = new byte[BLOCK];
    private int partialLength;
    private long ciphertextBytes;

    /** @param h the hash subkey, the block cipher applied to the zero block */
    Ghash(byte[] h) {
        this.h = h.clone();
        multiplier.init(this.h);
    }

    /** Hashes the next ciphertext bytes; any length, blocks are assembled across calls. */
    void update(byte[] bytes, int offset, int length) {
        ciphertextBytes += length;
        int off = offset;
        int len = length;
        if (partialLength > 0) {
            int n = Math.min(BLOCK - partialLength, len);
            System.arraycopy(bytes, off, partial, partialLength, n);
            partialLength += n;
            off += n;
            len -= n;
            if (partialLength < BLOCK) {
                return;
            }
            absorb(state, partial, 0);
            partialLength = 0;
        }
        while (len >= BLOCK) {
            absorb(state, bytes, off);
            off += BLOCK;
            len -= BLOCK;
        }
        System.arraycopy(bytes, off, partial, 0, len);
        partialLength = len;
    }

    /** The GHASH of {@code aad || ciphertext || lengths}; call once, after the last update. */
    byte[] finish(byte[] aad) {
        if (partialLength > 0) {
            java.util.Arrays.fill(partial, partialLength, BLOCK, (byte) 0);
            absorb(state, partial, 0);
            partialLength = 0;
        }
        byte[] result = state.clone();
        if (aad.length > 0) {
            byte[] aadHash = new byte[BLOCK];
            byte[] block = new byte[BLOCK];
            for (int off = 0; off < aad.length; off += BLOCK) {
                java.util.Arrays.fill(block, (byte) 0);
                System.arraycopy(aad, off, block, 0, Math.min(BLOCK, aad.length - off));
                absorb(aadHash, block, 0);
            }
            byte[] hPower = new byte[BLOCK];
            Tables1kGCMExponentiator exponentiator = new Tables1kGCMExponentiator();
            exponentiator.init(h);
            exponentiator.exponentiateX((ciphertextBytes + BLOCK - 1) / BLOCK, hPower);
            GCMUtil.multiply(aadHash, hPower);
            xor(result, aadHash, 0);
        }
        byte[] lengths = new byte[BLOCK];
        putLong(lengths, 0, (long) aad.length * 8);
        putLong(lengths, 8, ciphertextBytes * 8);
        absorb(result, lengths, 0);
        return result;
    }

    private void absorb(byte[] hash, byte[] bytes, int offset) {
        xor(hash, bytes, offset);
        multiplier.multiplyH(hash);
    }

    private static void xor(byte[] target, byte[] bytes, int offset) {
        for (int i = 0; i < BLOCK; i++) {
            target[i] ^= bytes[offset + i];
        }
    }

    private static void putLong(byte[] target, int offset, long value) {
        for (int i = 0; i < 8; i++) {
            target[offset + i] = (byte) (value >>> (56 - 8 * i));
        }
    }
}
