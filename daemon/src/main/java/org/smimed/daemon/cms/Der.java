package org.smimed.daemon.cms;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.List;

/**
 * The few DER rules (X.690) that assembling a SignedData from already-encoded parts needs:
 * definite lengths and the ordering of SET OF. Everything that has structure of its own is
 * encoded by Bouncy Castle once and reused as bytes.
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

    /** One TLV whose value is the concatenation of {@code parts}. */
    static byte[] tlv(int tag, byte[]... parts) {
        int length = 0;
        for (byte[] part : parts) {
            length += part.length;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(length + 6);
        out.write(tag);
        writeLength(out, length);
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    /**
     * The contents of a DER SET OF {@code elements}: sorted as octet strings (X.690 11.6; a
     * prefix sorts first, as if padded with zeros) and concatenated.
     */
    static byte[] setContents(List<byte[]> elements) {
        byte[][] sorted = elements.toArray(new byte[0][]);
        Arrays.sort(sorted, Arrays::compareUnsigned);
        return concat(sorted);
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    private static void writeLength(ByteArrayOutputStream out, int length) {
        if (length < 0x80) {
            out.write(length);
            return;
        }
        int bytes = (Integer.SIZE - Integer.numberOfLeadingZeros(length) + 7) / 8;
        out.write(0x80 | bytes);
        for (int i = bytes - 1; i >= 0; i--) {
            out.write(length >>> (8 * i));
        }
    }
}
