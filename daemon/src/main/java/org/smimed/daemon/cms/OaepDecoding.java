package org.smimed.daemon.cms;

import java.security.MessageDigest;

/**
 * EME-OAEP decoding (RFC 8017 section 7.1.2, step 3) of a raw RSA result, in constant time.
 *
 * <p>Security guarantees: the work done and the memory touched do not depend on where or
 * whether the encoding is broken (leading byte Y, label hash, padding, separator or message
 * length), so neither timing nor the result can tell a Manger-style attacker which check
 * failed. A broken encoding yields the caller's substitute key, chosen without a branch; the
 * caller cannot tell the two apart either — exactly like the RFC 3218 countermeasure for
 * PKCS#1 v1.5.
 */
final class OaepDecoding {
    private OaepDecoding() {
    }

    /**
     * Returns the encoded message if {@code encoded} is a valid OAEP encoding of a message of
     * exactly {@code substitute.length} bytes under {@code label}, else {@code substitute}.
     *
     * @param encoded the raw RSA result, exactly as long as the modulus
     * @param hash    the OAEP hash (fresh instance, reset by this method)
     * @param mgfHash the MGF1 hash
     */
    static byte[] decodeOrSubstitute(byte[] encoded, MessageDigest hash, MessageDigest mgfHash,
                                     byte[] label, byte[] substitute) {
        int hLen = hash.getDigestLength();
        int k = encoded.length;
        if (k < 2 * hLen + 2 || substitute.length > k - 2 * hLen - 2) {
            return substitute.clone(); // public sizes only: no secret involved
        }
        byte[] lHash = hash.digest(label);
        byte[] maskedSeed = new byte[hLen];
        byte[] db = new byte[k - hLen - 1];
        System.arraycopy(encoded, 1, maskedSeed, 0, hLen);
        System.arraycopy(encoded, 1 + hLen, db, 0, db.length);
        xor(maskedSeed, mgf1(mgfHash, db, hLen));
        xor(db, mgf1(mgfHash, maskedSeed, db.length));

        int bad = encoded[0] & 0xff;
        for (int i = 0; i < hLen; i++) {
            bad |= (db[i] ^ lHash[i]) & 0xff;
        }
        int found = 0;
        int separator = 0;
        for (int i = hLen; i < db.length; i++) {
            int b = db[i] & 0xff;
            int isOne = isZero(b ^ 1);
            int isZeroByte = isZero(b);
            int before = 1 - found;
            separator |= i & -(before & isOne);
            bad |= before & (1 - isOne) & (1 - isZeroByte);
            found |= isOne;
        }
        bad |= 1 - found;
        bad |= (db.length - separator - 1) ^ substitute.length;
        int failed = (bad | -bad) >> 31; // -1 if anything was wrong, else 0
        byte[] out = new byte[substitute.length];
        int offset = db.length - substitute.length;
        for (int j = 0; j < out.length; j++) {
            out[j] = (byte) ((substitute[j] & failed) | (db[offset + j] & ~failed));
        }
        java.util.Arrays.fill(db, (byte) 0);
        java.util.Arrays.fill(maskedSeed, (byte) 0);
        return out;
    }

    /** 1 if {@code value} (0..2^31-1) is zero, else 0, without a branch. */
    private static int isZero(int value) {
        return (value - 1) >>> 31;
    }

    private static void xor(byte[] target, byte[] mask) {
        for (int i = 0; i < target.length; i++) {
            target[i] ^= mask[i];
        }
    }

    /** MGF1 (RFC 8017 appendix B.2.1). */
    private static byte[] mgf1(MessageDigest digest, byte[] seed, int length) {
        byte[] mask = new byte[length];
        int hLen = digest.getDigestLength();
        byte[] counter = new byte[4];
        for (int i = 0, c = 0; i < length; i += hLen, c++) {
            counter[0] = (byte) (c >>> 24);
            counter[1] = (byte) (c >>> 16);
            counter[2] = (byte) (c >>> 8);
            counter[3] = (byte) c;
            digest.update(seed);
            digest.update(counter);
            byte[] block = digest.digest();
            System.arraycopy(block, 0, mask, i, Math.min(hLen, length - i));
        }
        return mask;
    }
}
