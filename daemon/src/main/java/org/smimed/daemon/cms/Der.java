package org.smimed.daemon.cms;

import java.util.Arrays;
import java.util.List;

/**
 * The few DER rules (X.690) that assembling a SignedData from already-encoded parts needs:
 * definite lengths and the ordering of SET OF. Everything that has structure of its own is
 * encoded by Bouncy Castle once and reused as bytes.
 *
 * <p>Nested values are described first ({@link #value}) and written once ({@link #encode}):
 * every length is known before any byte is copied, so a certificate chain or an encapsulated
 * content is copied once into the result rather than once per level of nesting (profiling
 * showed the per-level copies to be the largest share of a Sign call's allocation).
 */
final class Der {
    static final int SEQUENCE = 0x30;
    static final int SET = 0x31;
    static final int INTEGER = 0x02;
    static final int OCTET_STRING = 0x04;
    /** [0] constructed: an EXPLICIT wrapper or an IMPLICIT SET in CMS. */
    static final int CONTEXT_0 = 0xA0;

    private Der() {
    }

    /** A DER value whose encoding is known in length and written on demand. */
    abstract static sealed class Value permits Encoded, Constructed {
        /** Length of the whole encoding, tag and length octets included. */
        abstract int length();

        /** Writes the encoding at {@code at}; returns the offset after it. */
        abstract int writeTo(byte[] out, int at);
    }

    private static final class Encoded extends Value {
        private final byte[] der;

        Encoded(byte[] der) {
            this.der = der;
        }

        @Override
        int length() {
            return der.length;
        }

        @Override
        int writeTo(byte[] out, int at) {
            System.arraycopy(der, 0, out, at, der.length);
            return at + der.length;
        }
    }

    private static final class Constructed extends Value {
        private final int tag;
        private final Value[] parts;
        private final int contentLength;

        Constructed(int tag, Value[] parts) {
            int length = 0;
            for (Value part : parts) {
                length += part.length();
            }
            this.tag = tag;
            this.parts = parts;
            this.contentLength = length;
        }

        @Override
        int length() {
            return 1 + lengthOctets(contentLength) + contentLength;
        }

        @Override
        int writeTo(byte[] out, int at) {
            out[at++] = (byte) tag;
            at = writeLength(out, at, contentLength);
            for (Value part : parts) {
                at = part.writeTo(out, at);
            }
            return at;
        }
    }

    /** Bytes that are already a DER encoding (or, inside a TLV, its raw contents). */
    static Value encoded(byte[] der) {
        return new Encoded(der);
    }

    /** One TLV whose value is the concatenation of {@code parts}, not yet written. */
    static Value value(int tag, Value... parts) {
        return new Constructed(tag, parts);
    }

    /** The bytes of {@code value}, written in one pass into an array of the exact size. */
    static byte[] encode(Value value) {
        byte[] out = new byte[value.length()];
        value.writeTo(out, 0);
        return out;
    }

    /** One TLV whose value is the concatenation of {@code parts}. */
    static byte[] tlv(int tag, byte[]... parts) {
        Value[] values = new Value[parts.length];
        for (int i = 0; i < parts.length; i++) {
            values[i] = encoded(parts[i]);
        }
        return encode(value(tag, values));
    }

    /**
     * The contents of a DER SET OF {@code elements}: sorted as octet strings (X.690 11.6; a
     * prefix sorts first, as if padded with zeros) and concatenated.
     */
    static byte[] setContents(List<byte[]> elements) {
        byte[][] sorted = elements.toArray(new byte[0][]);
        Arrays.sort(sorted, Arrays::compareUnsigned);
        int length = 0;
        for (byte[] element : sorted) {
            length += element.length;
        }
        byte[] out = new byte[length];
        int at = 0;
        for (byte[] element : sorted) {
            System.arraycopy(element, 0, out, at, element.length);
            at += element.length;
        }
        return out;
    }

    private static int lengthOctets(int length) {
        return length < 0x80 ? 1
                : 1 + (Integer.SIZE - Integer.numberOfLeadingZeros(length) + 7) / 8;
    }

    private static int writeLength(byte[] out, int at, int length) {
        if (length < 0x80) {
            out[at] = (byte) length;
            return at + 1;
        }
        int bytes = lengthOctets(length) - 1;
        out[at++] = (byte) (0x80 | bytes);
        for (int i = bytes - 1; i >= 0; i--) {
            out[at++] = (byte) (length >>> (8 * i));
        }
        return at;
    }
}
