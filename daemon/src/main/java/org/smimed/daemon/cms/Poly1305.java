package org.smimed.daemon.cms;

import java.math.BigInteger;

/**
 * The Poly1305 polynomial of RFC 8439 section 2.5, kept open: it accumulates 16-byte blocks
 * and gives the accumulator itself (mod 2^130 - 5), not a finished tag, so that
 * {@link ChaChaPolyDecryptor} can authenticate a ciphertext as it streams and add
 * authenticated attributes that arrive after it. The running accumulation is the usual
 * five 26-bit limbs (no allocation per block); the rare whole-number steps use BigInteger.
 */
final class Poly1305 {
    static final BigInteger P = BigInteger.ONE.shiftLeft(130).subtract(BigInteger.valueOf(5));
    private static final int MASK = 0x3ffffff;

    private final long r0;
    private final long r1;
    private final long r2;
    private final long r3;
    private final long r4;
    private final long s1;
    private final long s2;
    private final long s3;
    private final long s4;
    private long h0;
    private long h1;
    private long h2;
    private long h3;
    private long h4;

    /** @param r the first 16 bytes of the one-time key, clamped here as RFC 8439 asks */
    Poly1305(byte[] r) {
        long t0 = word(r, 0);
        long t1 = word(r, 4);
        long t2 = word(r, 8);
        long t3 = word(r, 12);
        // The limbs of r with the clamp (r &= 0x0ffffffc0ffffffc0ffffffc0fffffff) folded in.
        r0 = t0 & 0x3ffffff;
        r1 = ((t0 >>> 26) | (t1 << 6)) & 0x3ffff03;
        r2 = ((t1 >>> 20) | (t2 << 12)) & 0x3ffc0ff;
        r3 = ((t2 >>> 14) | (t3 << 18)) & 0x3f03fff;
        r4 = (t3 >>> 8) & 0x00fffff;
        s1 = r1 * 5;
        s2 = r2 * 5;
        s3 = r3 * 5;
        s4 = r4 * 5;
    }

    /** The clamped r as a number. */
    BigInteger r() {
        return limbs(r0, r1, r2, r3, r4);
    }

    /**
     * Adds one 16-byte block (with the 2^128 bit every full block carries) and multiplies by
     * r. A shorter final piece of a message is passed zero-padded, as the AEAD construction
     * pads each part to 16 bytes.
     */
    void block(byte[] b, int off) {
        long t0 = word(b, off);
        long t1 = word(b, off + 4);
        long t2 = word(b, off + 8);
        long t3 = word(b, off + 12);
        h0 += t0 & MASK;
        h1 += ((t0 >>> 26) | (t1 << 6)) & MASK;
        h2 += ((t1 >>> 20) | (t2 << 12)) & MASK;
        h3 += ((t2 >>> 14) | (t3 << 18)) & MASK;
        h4 += (t3 >>> 8) | (1L << 24);

        long d0 = h0 * r0 + h1 * s4 + h2 * s3 + h3 * s2 + h4 * s1;
        long d1 = h0 * r1 + h1 * r0 + h2 * s4 + h3 * s3 + h4 * s2;
        long d2 = h0 * r2 + h1 * r1 + h2 * r0 + h3 * s4 + h4 * s3;
        long d3 = h0 * r3 + h1 * r2 + h2 * r1 + h3 * r0 + h4 * s4;
        long d4 = h0 * r4 + h1 * r3 + h2 * r2 + h3 * r1 + h4 * r0;

        long c = d0 >>> 26;
        h0 = d0 & MASK;
        d1 += c;
        c = d1 >>> 26;
        h1 = d1 & MASK;
        d2 += c;
        c = d2 >>> 26;
        h2 = d2 & MASK;
        d3 += c;
        c = d3 >>> 26;
        h3 = d3 & MASK;
        d4 += c;
        c = d4 >>> 26;
        h4 = d4 & MASK;
        h0 += c * 5;
        c = h0 >>> 26;
        h0 &= MASK;
        h1 += c;
    }

    /** The accumulator so far, reduced mod 2^130 - 5. */
    BigInteger accumulator() {
        return limbs(h0, h1, h2, h3, h4).mod(P);
    }

    /** The accumulator over {@code data} zero-padded to whole blocks, from zero. */
    static BigInteger of(byte[] r, byte[] data) {
        Poly1305 poly = new Poly1305(r);
        byte[] block = new byte[16];
        for (int off = 0; off < data.length; off += 16) {
            int n = Math.min(16, data.length - off);
            java.util.Arrays.fill(block, (byte) 0);
            System.arraycopy(data, off, block, 0, n);
            poly.block(block, 0);
        }
        return poly.accumulator();
    }

    /** A 16-byte little-endian block as a number (without the 2^128 bit). */
    static BigInteger littleEndian(byte[] b) {
        byte[] big = new byte[b.length + 1];
        for (int i = 0; i < b.length; i++) {
            big[b.length - i] = b[i];
        }
        return new BigInteger(big);
    }

    private static BigInteger limbs(long l0, long l1, long l2, long l3, long l4) {
        return BigInteger.valueOf(l4).shiftLeft(104).add(BigInteger.valueOf(l3).shiftLeft(78))
                .add(BigInteger.valueOf(l2).shiftLeft(52)).add(BigInteger.valueOf(l1).shiftLeft(26))
                .add(BigInteger.valueOf(l0));
    }

    private static long word(byte[] b, int off) {
        return (b[off] & 0xffL) | (b[off + 1] & 0xffL) << 8 | (b[off + 2] & 0xffL) << 16
                | (b[off + 3] & 0xffL) << 24;
    }
}
