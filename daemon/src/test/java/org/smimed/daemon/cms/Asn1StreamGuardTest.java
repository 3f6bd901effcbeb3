package org.smimed.daemon.cms;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The streaming guard tells the encrypted content (any size, streamed) from the structure
 * around it (bounded), and judges framing as the bytes pass.
 */
class Asn1StreamGuardTest {
    static final long LIMIT = 512L * 1024 * 1024;

    @Test
    void encryptedContentLargerThanTheStructureAllowance_passes() throws Exception {
        byte[] message = envelope(new byte[3 * 1024 * 1024]);

        Asn1StreamGuard guard = guard(message);
        guard.transferTo(OutputStream.nullOutputStream());

        assertThat(guard.complete()).isTrue();
        assertThat(guard.structureBytes()).isLessThan(100);
    }

    @Test
    void largePrimitiveOutsideTheContent_isRefusedFromItsHeader() throws Exception {
        // recipientInfos SET holding one OCTET STRING that declares 2 MiB; only the header sent.
        byte[] header = concat(prefix(), new byte[] {0x31, (byte) 0x83, 0x20, 0x00, 0x05,
                0x04, (byte) 0x83, 0x20, 0x00, 0x00});

        IOException e = catchThrowableOfType(IOException.class,
                () -> guard(header).transferTo(OutputStream.nullOutputStream()));

        assertThat(e.getCause()).isInstanceOf(InvalidRequestException.class)
                .hasMessage("message has more than 1048576 bytes outside its encrypted content");
    }

    @Test
    void bytesAfterTheMessage_areMalformed() throws Exception {
        byte[] message = concat(envelope(new byte[10]), new byte[] {0});

        IOException e = catchThrowableOfType(IOException.class,
                () -> guard(message).transferTo(OutputStream.nullOutputStream()));

        assertThat(e.getCause()).isInstanceOf(DecryptionFailedException.class);
        assertThat(((DecryptionFailedException) e.getCause()).detail())
                .isEqualTo("malformed ASN.1: data after the message");
    }

    /** An interoperability trial: a quoted-printable body's final line break decodes to CRLF. */
    @Test
    void lineEndsAfterTheMessage_passButNotTooMany() throws Exception {
        byte[] message = concat(envelope(new byte[10]), "\r\n \t\n".getBytes(
                java.nio.charset.StandardCharsets.US_ASCII));
        assertThat(guard(message).readAllBytes()).isEqualTo(message);

        byte[] flood = concat(envelope(new byte[10]),
                new byte[Asn1StreamGuard.MAX_TRAILING_BLANKS + 1]);
        java.util.Arrays.fill(flood, flood.length - Asn1StreamGuard.MAX_TRAILING_BLANKS - 1,
                flood.length, (byte) '\n');
        IOException e = catchThrowableOfType(IOException.class,
                () -> guard(flood).transferTo(OutputStream.nullOutputStream()));
        assertThat(((DecryptionFailedException) e.getCause()).detail())
                .isEqualTo("malformed ASN.1: data after the message");
    }

    @Test
    void messageEndingInsideAnElement_isMalformedAtTheEnd() throws Exception {
        byte[] message = envelope(new byte[100]);
        byte[] cut = java.util.Arrays.copyOf(message, message.length - 3);

        assertThat(refusal(cut))
                .isEqualTo("malformed ASN.1: input ends inside an element");
    }

    @Test
    void nestingDeeperThanTheLimit_isRefusedNamingIt() throws Exception {
        ByteArrayOutputStream bomb = new ByteArrayOutputStream();
        for (int i = 0; i < 41; i++) {
            bomb.writeBytes(new byte[] {0x30, (byte) 0x80});
        }

        IOException e = catchThrowableOfType(IOException.class,
                () -> guard(bomb.toByteArray()).transferTo(OutputStream.nullOutputStream()));

        assertThat(e.getCause()).hasMessage(
                "ASN.1 nesting is deeper than 40 levels (limits.maxAsn1Depth)");
    }

    @Test
    void definiteLengthPastTheLimit_isRefusedFromItsHeaderNamingTheLimit() throws Exception {
        // The ContentInfo declares 1,001 bytes in all (4 of header, 997 of body); only its
        // header is sent.
        IOException e = catchThrowableOfType(IOException.class, () -> Asn1StreamGuard.streamed(
                new ByteArrayInputStream(new byte[] {0x30, (byte) 0x82, 0x03, (byte) 0xe5}),
                1000, MessageLimits.DEFAULTS).transferTo(OutputStream.nullOutputStream()));

        assertThat(e.getCause()).isInstanceOf(InvalidRequestException.class).hasMessage(
                "message is larger than the limit of 1000 bytes (limits.maxMessageBytes)");
    }

    @Test
    void definiteLengthReachingTheLimit_passesItsHeader_andFailsOnlyWhereTheInputEnds()
            throws Exception {
        IOException e = catchThrowableOfType(IOException.class, () -> Asn1StreamGuard.streamed(
                new ByteArrayInputStream(new byte[] {0x30, (byte) 0x82, 0x03, (byte) 0xe4}),
                1000, MessageLimits.DEFAULTS).transferTo(OutputStream.nullOutputStream()));

        assertThat(((DecryptionFailedException) e.getCause()).detail())
                .isEqualTo("malformed ASN.1: input ends inside an element");
    }

    @Test
    void contentLengthPastTheLimitInsideIndefiniteElements_isRefusedNamingTheLimit()
            throws Exception {
        // BER envelope, then one definite content OCTET STRING of 16 MiB: past a 1 MiB limit.
        byte[] start = envelope(new byte[0]);
        byte[] header = concat(java.util.Arrays.copyOf(start, start.length - 10),
                new byte[] {0x04, (byte) 0x84, 0x01, 0x00, 0x00, 0x00});

        IOException e = catchThrowableOfType(IOException.class, () -> Asn1StreamGuard.streamed(
                new ByteArrayInputStream(header), 1024 * 1024, MessageLimits.DEFAULTS)
                .transferTo(OutputStream.nullOutputStream()));

        assertThat(e.getCause()).hasMessage(
                "message is larger than the limit of 1048576 bytes (limits.maxMessageBytes)");
    }

    @Test
    void eightOctetLengthPastTheLimit_isRefusedNamingTheLimit() throws Exception {
        byte[] header = {0x30, (byte) 0x88, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00};

        IOException e = catchThrowableOfType(IOException.class,
                () -> guard(header).transferTo(OutputStream.nullOutputStream()));

        assertThat(e.getCause()).hasMessage("message is larger than the limit of " + LIMIT
                + " bytes (limits.maxMessageBytes)");
    }

    @Test
    void lengthPastItsDefiniteParent_isMalformed_evenPastTheLimit() throws Exception {
        // The ContentInfo says 13 bytes; the element inside it claims 4 GiB - 1.
        byte[] message = {0x30, 0x0d, 0x04, (byte) 0x84, (byte) 0xff, (byte) 0xff, (byte) 0xff,
                (byte) 0xff};

        IOException e = catchThrowableOfType(IOException.class, () -> Asn1StreamGuard.streamed(
                new ByteArrayInputStream(message), 1000, MessageLimits.DEFAULTS)
                .transferTo(OutputStream.nullOutputStream()));

        assertThat(((DecryptionFailedException) e.getCause()).detail())
                .isEqualTo("malformed ASN.1: declared length 4294967295 exceeds the 7 bytes"
                        + " that remain");
    }

    @Test
    void lengthPastTheEndOfAWholeMessage_isMalformed_notTooLarge() throws Exception {
        byte[] header = {0x30, (byte) 0x82, 0x03, (byte) 0xe5};

        IOException e = catchThrowableOfType(IOException.class, () -> Asn1StreamGuard.whole(
                new ByteArrayInputStream(header), header.length, MessageLimits.DEFAULTS)
                .transferTo(OutputStream.nullOutputStream()));

        assertThat(((DecryptionFailedException) e.getCause()).detail())
                .isEqualTo("malformed ASN.1: declared length 997 exceeds the 0 bytes that remain");
    }

    /** The log said "the -1 bytes that remain" (an interop trial). */
    @Test
    void headerRunningPastItsEnclosingElement_isNamedSo() throws Exception {
        byte[] message = {0x30, 0x02, 0x04, (byte) 0x81, 0x05};

        IOException e = catchThrowableOfType(IOException.class, () -> Asn1StreamGuard.whole(
                new ByteArrayInputStream(message), message.length, MessageLimits.DEFAULTS)
                .transferTo(OutputStream.nullOutputStream()));

        assertThat(((DecryptionFailedException) e.getCause()).detail())
                .isEqualTo("malformed ASN.1: the header of an element runs 1 byte(s) past the"
                        + " end of the element that holds it");
    }

    @Test
    void hugeEnvelopeVersion_isMalformed_fromItsHeader() throws Exception {
        // The EnvelopedData's version declares 500,000 octets; only its header is sent.
        byte[] prefix = prefix();
        byte[] header = concat(java.util.Arrays.copyOf(prefix, prefix.length - 3),
                new byte[] {0x02, (byte) 0x83, 0x07, (byte) 0xa1, 0x20});

        assertThat(refusal(header))
                .isEqualTo("malformed CMS: a version of 500000 octets (a CMSVersion is 0 to 4,"
                        + " RFC 5652)");
    }

    @ParameterizedTest
    @ValueSource(ints = {5, 0x7f, -1, -128})
    void envelopeVersionOutOfRange_isMalformed(int version) throws Exception {
        byte[] message = envelope(version, new byte[0], new byte[10]);

        assertThat(refusal(message))
                .isEqualTo("malformed CMS: version " + (byte) version
                        + " (a CMSVersion is 0 to 4, RFC 5652)");
    }

    @Test
    void emptyEnvelopeVersion_isMalformed() throws Exception {
        byte[] prefix = prefix();
        byte[] header = concat(java.util.Arrays.copyOf(prefix, prefix.length - 3),
                new byte[] {0x02, 0x00});

        assertThat(refusal(header))
                .isEqualTo("malformed CMS: a version of 0 octets (a CMSVersion is 0 to 4,"
                        + " RFC 5652)");
    }

    @ParameterizedTest
    @ValueSource(ints = {0x30, 0xa1, 0xa2, 0xa3})
    void recipientInfoVersionOutOfRange_isMalformed(int tag) throws Exception {
        // ktri, kari, kekri or pwri whose version is 5.
        byte[] message = envelope(0, new byte[] {(byte) tag, 0x03, 0x02, 0x01, 0x05},
                new byte[10]);

        assertThat(refusal(message))
                .isEqualTo("malformed CMS: version 5 (a CMSVersion is 0 to 4, RFC 5652)");
    }

    @Test
    void hugeRecipientInfoVersion_isMalformed_fromItsHeader() throws Exception {
        byte[] prefix = prefix();
        byte[] header = concat(prefix, new byte[] {0x31, (byte) 0x80, (byte) 0xa1, (byte) 0x80,
                0x02, (byte) 0x83, 0x07, (byte) 0xa1, 0x20});

        assertThat(refusal(header))
                .isEqualTo("malformed CMS: a version of 500000 octets (a CMSVersion is 0 to 4,"
                        + " RFC 5652)");
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3, 4})
    void versionsZeroToFour_pass(int version) throws Exception {
        byte[] recipients = {0x30, 0x03, 0x02, 0x01, (byte) version,
                (byte) 0xa1, 0x03, 0x02, 0x01, (byte) version};
        Asn1StreamGuard guard = guard(envelope(version, recipients, new byte[10]));

        guard.transferTo(OutputStream.nullOutputStream());

        assertThat(guard.complete()).isTrue();
    }

    @Test
    void integersThatAreNotVersions_passWhateverTheirSize() throws Exception {
        // An ori [4] (its type, then an INTEGER value) and a ktri whose second field is a
        // 200-octet INTEGER: neither is a version.
        ByteArrayOutputStream recipients = new ByteArrayOutputStream();
        recipients.writeBytes(new byte[] {(byte) 0xa4, 0x08, 0x06, 0x03, 0x2a, 0x03, 0x04,
                0x02, 0x01, 0x63});
        recipients.writeBytes(new byte[] {0x30, (byte) 0x81, (byte) 206, 0x02, 0x01, 0x00,
                0x02, (byte) 0x81, (byte) 200});
        recipients.writeBytes(new byte[200]);
        Asn1StreamGuard guard = guard(envelope(2, recipients.toByteArray(), new byte[10]));

        guard.transferTo(OutputStream.nullOutputStream());

        assertThat(guard.complete()).isTrue();
    }

    @Test
    void asManyRecipientsAsTheLimit_pass() throws Exception {
        Asn1StreamGuard guard = guard(envelope(2, kekris(256), new byte[10]));

        guard.transferTo(OutputStream.nullOutputStream());

        assertThat(guard.complete()).isTrue();
    }

    @Test
    void recipientsPastTheLimit_areRefusedAtTheFirstOneOver_beforeTheRestIsRead()
            throws Exception {
        // 200,000 tiny RecipientInfos fit in 1 MiB of structure, and a parser would build
        // every one of them before anyone could count them (a security review).
        Asn1StreamGuard guard = guard(envelope(2, kekris(200_000), new byte[10]));

        IOException e = catchThrowableOfType(IOException.class,
                () -> guard.transferTo(OutputStream.nullOutputStream()));

        assertThat(e.getCause()).isInstanceOf(InvalidRequestException.class)
                .hasMessage("message has more than 256 recipients (limits.maxRecipients)");
        assertThat(guard.structureBytes()).as("bytes passed before the refusal")
                .isLessThan(257 * 5 + 64);
    }

    /** {@code count} kekri [2] RecipientInfos holding only their version, five bytes each. */
    private static byte[] kekris(int count) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < count; i++) {
            out.writeBytes(new byte[] {(byte) 0xa2, 0x03, 0x02, 0x01, 0x04});
        }
        return out.toByteArray();
    }

    private static Asn1StreamGuard guard(byte[] message) {
        return Asn1StreamGuard.streamed(new ByteArrayInputStream(message), LIMIT,
                MessageLimits.DEFAULTS);
    }

    /** ContentInfo / [0] / EnvelopedData (indefinite) up to its version. */
    private static byte[] prefix() {
        return new byte[] {0x30, (byte) 0x80, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86,
                (byte) 0xf7, 0x0d, 0x01, 0x07, 0x03, (byte) 0xa0, (byte) 0x80, 0x30, (byte) 0x80,
                0x02, 0x01, 0x00};
    }

    /** An EnvelopedData shape with no recipients and {@code content} as BER chunks. */
    private static byte[] envelope(byte[] content) {
        return envelope(0, new byte[0], content);
    }

    /**
     * An EnvelopedData shape of {@code version} whose recipientInfos SET holds
     * {@code recipients}, and {@code content} as BER chunks.
     */
    private static byte[] envelope(int version, byte[] recipients, byte[] content) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] prefix = prefix();
        prefix[prefix.length - 1] = (byte) version;
        out.writeBytes(prefix);
        int size = recipients.length;
        out.writeBytes(size < 0x80 ? new byte[] {0x31, (byte) size} : size < 0x100
                ? new byte[] {0x31, (byte) 0x81, (byte) size}
                : new byte[] {0x31, (byte) 0x83, (byte) (size >> 16), (byte) (size >> 8),
                    (byte) size});
        out.writeBytes(recipients);
        // EncryptedContentInfo: data OID, AES-256-CBC without parameters, [0] constructed.
        out.writeBytes(new byte[] {0x30, (byte) 0x80, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48,
                (byte) 0x86, (byte) 0xf7, 0x0d, 0x01, 0x07, 0x01, 0x30, 0x0b, 0x06, 0x09, 0x60,
                (byte) 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x01, 0x2a, (byte) 0xa0, (byte) 0x80});
        for (int off = 0; off < content.length; off += 65536) {
            int n = Math.min(65536, content.length - off);
            out.writeBytes(new byte[] {0x04, (byte) 0x83, (byte) (n >> 16), (byte) (n >> 8),
                    (byte) n});
            out.write(content, off, n);
        }
        out.writeBytes(new byte[8]); // closes [0], EncryptedContentInfo, EnvelopedData, [0]
        out.writeBytes(new byte[2]); // and the ContentInfo
        return out.toByteArray();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** What the guard says of a malformed {@code input} as it passes. */
    private static String refusal(byte[] input) {
        IOException e = catchThrowableOfType(IOException.class,
                () -> guard(input).transferTo(OutputStream.nullOutputStream()));
        return ((DecryptionFailedException) e.getCause()).detail();
    }
}
