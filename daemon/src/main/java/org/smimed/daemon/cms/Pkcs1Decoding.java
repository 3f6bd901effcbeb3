package org.smimed.daemon.cms;

/**
 * EME-PKCS1-v1_5 decoding (RFC 8017 section 7.2.2, step 3) of a raw RSA result whose message
 * must be exactly as long as the content-encryption key, in constant time.
 *
 * <p>Security guarantees: the work done and the memory touched do not depend on whether or
 * where the encoding is broken (leading zero, block type 2, a zero inside the padding string,
 * the separator, the message length), so timing tells a Bleichenbacher attacker nothing; a
 * broken encoding yields the caller's substitute key, chosen without a branch. With a key
 * length fixed by the content algorithm, "the message is L bytes" is "byte k-L-1 is the first
 * zero after the padding", so every check is at a fixed position.
 */
final class Pkcs1Decoding {
    /** RFC 8017: at least eight bytes of padding string. */
    private static final int MINIMUM_PADDING = 8;

    private Pkcs1Decoding() {
    }

    /**
     * Returns the encoded message if {@code encoded} is a valid PKCS#1 v1.5 encryption block
     * of a message of exactly {@code substitute.length} bytes, else {@code substitute}.
     *
     * @param encoded the raw RSA result, exactly as long as the modulus
     */
    static byte[] decodeOrSubstitute(byte[] encoded, byte[] substitute) {
        int k = encoded.length;
        int length = substitute.length;
        if (k < length + MINIMUM_PADDING + 3) {
            return substitute.clone(); // public sizes only: no secret involved
        }
        int separator = k - length - 1;
        int bad = encoded[0] & 0xff;
        bad |= (encoded[1] & 0xff) ^ 2;
        for (int i = 2; i < separator; i++) {
            bad |= isZero(encoded[i] & 0xff);
        }
        bad |= encoded[separator] & 0xff;
        int failed = (bad | -bad) >> 31; // -1 if anything was wrong, else 0
        byte[] out = new byte[length];
        for (int j = 0; j < length; j++) {
            out[j] = (byte) ((substitute[j] & failed) | (encoded[separator + 1 + j] & ~failed));
        }
        return out;
    }

    /** 1 if {@code value} (0..255) is zero, else 0, without a branch. */
    private static int isZero(int value) {
        return (value - 1) >>> 31;
    }
}
