package org.smimed.daemon.cms;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * A streaming BER/DER header walker (it replaced the whole-message Asn1Guard): walks the
 * headers of a CMS envelope as its bytes pass to the parser, so that nesting bombs,
 * indefinite-length bombs, recipient floods and lying length fields are refused before the
 * parser sees the header that carries them, and a message of any size is checked in constant
 * memory.
 *
 * <p>Guarantees: each byte is looked at once, headers byte by byte and primitive bodies skipped
 * in bulk; nesting deeper than {@link MessageLimits#maxAsn1Depth}, more than {@link
 * MessageLimits#maxIndefiniteLengths} indefinite lengths or more than {@link
 * MessageLimits#maxRecipients} RecipientInfos is {@link InvalidRequestException} naming the
 * limit, and so is, for a
 * {@linkplain #streamed streamed} message, a declared length that would take the message past
 * {@code maxMessageBytes} (the message says how large it is, as the byte count would); a
 * declared length beyond its enclosing element (or beyond the end of a {@linkplain #whole
 * whole} message), an indefinite primitive, bytes after the message (but for up to
 * {@link #MAX_TRAILING_BLANKS} line ends and blanks), or input ending inside an
 * element is {@link DecryptionFailedException}, and so is a CMSVersion (of the envelope or of
 * a RecipientInfo) outside 0 to 4, refused from its header when it is longer than the one
 * octet such a version takes, so a huge INTEGER never reaches the parser. Everything outside
 * the encrypted content (the EncryptedContentInfo's {@code [0]} field, which is streamed) is
 * what a parser keeps in memory, so it may take at most {@link #MAX_STRUCTURE_BYTES}, and a
 * declared primitive larger than what remains of that allowance is refused from its header.
 * Input whose first byte is not a SEQUENCE tag is not CMS at all: {@link
 * InvalidRequestException} saying so. A failure is thrown as an {@link IOException} from
 * {@code read}; {@link #failure()} then holds the domain exception.
 */
public final class Asn1StreamGuard extends FilterInputStream {
    /** Recipients, algorithms, attributes and the tag: far below this even with 256 RSA-4096. */
    public static final int MAX_STRUCTURE_BYTES = 1024 * 1024;
    private static final int SEQUENCE = 0x30;
    /** Blanks and line ends accepted after the message (see {@link #isLineEnd}). */
    static final int MAX_TRAILING_BLANKS = 1024;
    /** Longer than any content type's object identifier (theirs take 9 to 11 octets). */
    private static final int MAX_OID_OCTETS = 64;

    private final int maxIndefiniteLengths;
    private final Asn1Frames frames;
    /** The outer bound is limits.maxMessageBytes (reaching past it names it), not the end. */
    private final boolean limited;
    private Exception failure;
    private long pos;
    private long structureBytes;
    private int indefiniteCount;
    // Header being read: its first tag byte, how many tag/length bytes remain, the length.
    private Phase phase = Phase.TAG;
    private int tagByte;
    private int tagOctets;
    private int lengthOctets;
    private long length;
    private long bodyLeft;
    private boolean bodyIsContent;
    /** The body is a CMSVersion's one octet, still to be checked. */
    private boolean bodyIsVersion;
    /**
     * The ContentInfo's contentType, collected as it passes, or null outside it: another type
     * is said to be one before the envelope's layout rules misjudge its structure (a real
     * SignedData was refused as malformed CMS, found by a docs trial).
     */
    private java.io.ByteArrayOutputStream contentType;
    private boolean started;
    private int trailingBlanks;

    private enum Phase { TAG, TAG_LONG, LENGTH, LENGTH_LONG, BODY, DONE }

    private Asn1StreamGuard(InputStream in, long outerBound, boolean limited,
                            MessageLimits limits) {
        super(in);
        this.maxIndefiniteLengths = limits.maxIndefiniteLengths();
        this.frames = new Asn1Frames(limits.maxAsn1Depth(), limits.maxRecipients(), outerBound);
        this.limited = limited;
    }

    /**
     * A message arriving on {@code in} of a length not known yet, at most
     * {@code maxMessageBytes} (limits.maxMessageBytes): a declared length that reaches past
     * that is {@link InvalidRequestException} naming the limit.
     */
    public static Asn1StreamGuard streamed(InputStream in, long maxMessageBytes,
                                           MessageLimits limits) {
        return new Asn1StreamGuard(in, maxMessageBytes, true, limits);
    }

    /**
     * A whole message of {@code length} bytes on {@code in}, its size already checked: a
     * declared length that reaches past its end only says it is cut short, so it is malformed.
     */
    public static Asn1StreamGuard whole(InputStream in, long length, MessageLimits limits) {
        return new Asn1StreamGuard(in, length, false, limits);
    }

    /** The limit or framing error that stopped the stream, if any. */
    public Exception failure() {
        return failure;
    }

    /** Bytes outside the encrypted content seen so far (what a parser may hold). */
    public long structureBytes() {
        return structureBytes;
    }

    /** Whether the whole first element has passed and nothing followed it (so far). */
    public boolean complete() {
        return phase == Phase.DONE;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (failure != null) {
            throw new IOException("message refused", failure);
        }
        int n = super.read(b, off, len);
        try {
            if (n < 0) {
                atEnd();
            } else {
                inspect(b, off, n);
            }
        } catch (InvalidRequestException | DecryptionFailedException e) {
            failure = e;
            throw new IOException("message refused", e);
        }
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        byte[] sink = new byte[(int) Math.min(n, 8192)];
        int read = read(sink, 0, sink.length);
        return Math.max(read, 0);
    }

    @Override
    public boolean markSupported() {
        return false;
    }

    private void atEnd() throws DecryptionFailedException {
        if (phase != Phase.DONE) {
            throw malformed(started ? "input ends inside an element" : "empty input");
        }
    }

    private void inspect(byte[] b, int off, int n)
            throws InvalidRequestException, DecryptionFailedException {
        int i = off;
        int end = off + n;
        while (i < end) {
            if (phase == Phase.BODY) {
                if (bodyIsVersion) {
                    checkVersion(b[i] & 0xff);
                }
                int step = (int) Math.min(bodyLeft, end - i);
                if (contentType != null) {
                    contentType.write(b, i, step);
                    if (bodyLeft == step) {
                        checkContentType();
                    }
                }
                count(step, bodyIsContent);
                bodyLeft -= step;
                i += step;
                if (bodyLeft == 0) {
                    elementDone();
                }
                continue;
            }
            if (phase == Phase.DONE) {
                if (!isLineEnd(b[i]) || ++trailingBlanks > MAX_TRAILING_BLANKS) {
                    throw malformed("data after the message");
                }
                i++;
                continue;
            }
            if (phase == Phase.TAG && pos >= frames.bound()) {
                refusePastBound("element runs past the end of its parent");
            }
            count(1, frames.inContent());
            header(b[i++] & 0xff);
        }
    }

    /**
     * Every CMS message is a ContentInfo SEQUENCE: input that starts otherwise is not one at
     * all (a whole .eml, base64 text), which is no secret of any key, so the caller is told
     * so instead of "decryption failed" (found by a client-developer trial).
     */
    private static InvalidRequestException notCms(int first) {
        String shown = first >= 0x20 && first < 0x7f ? " ('" + (char) first + "')" : "";
        return new InvalidRequestException(String.format("not a CMS message: it starts with"
                + " 0x%02x%s, not a DER or BER SEQUENCE (0x30); send the binary CMS (the"
                + " base64-decoded body of the application/pkcs7-mime part), not the whole"
                + " message or its base64 text", first, shown));
    }

    /**
     * Line ends and blanks after the message are what mail leaves on a body: a
     * quoted-printable part's final line break decodes to CRLF, and a binary part ends with
     * one (an interoperability trial; OpenSSL decrypts such a message). Anything else after
     * the message, or more than {@link #MAX_TRAILING_BLANKS} of these, is refused.
     */
    private static boolean isLineEnd(byte b) {
        return b == '\r' || b == '\n' || b == ' ' || b == '\t';
    }

    private void count(long bytes, boolean content) throws InvalidRequestException {
        pos += bytes;
        if (!content) {
            structureBytes += bytes;
            if (structureBytes > MAX_STRUCTURE_BYTES) {
                throw tooMuchStructure();
            }
        }
    }

    /** Feeds one header byte (the position has already moved past it). */
    private void header(int octet) throws InvalidRequestException, DecryptionFailedException {
        switch (phase) {
            case TAG -> {
                if (!started && octet != SEQUENCE) {
                    throw notCms(octet);
                }
                started = true;
                tagByte = octet;
                tagOctets = 0;
                phase = (octet & 0x1f) == 0x1f ? Phase.TAG_LONG : Phase.LENGTH;
            }
            case TAG_LONG -> {
                if (++tagOctets > 5) {
                    throw malformed("tag number too large");
                }
                if ((octet & 0x80) == 0) {
                    phase = Phase.LENGTH;
                }
            }
            case LENGTH -> firstLengthOctet(octet);
            case LENGTH_LONG -> {
                // Up to eight octets: a message of 4 GiB or more needs five, and is past any
                // limit (an int) all the same; saturate rather than overflow, the room check
                // refuses it.
                length = length > Long.MAX_VALUE >> 8 ? Long.MAX_VALUE : (length << 8) | octet;
                if (--lengthOctets == 0) {
                    definite(length);
                }
            }
            default -> throw new IllegalStateException("not in a header: " + phase);
        }
    }

    private void firstLengthOctet(int octet)
            throws InvalidRequestException, DecryptionFailedException {
        boolean constructed = (tagByte & 0x20) != 0;
        if (octet == 0x80) {
            if (!constructed) {
                throw malformed("indefinite length on a primitive encoding");
            }
            if (++indefiniteCount > maxIndefiniteLengths) {
                throw new InvalidRequestException("message has more than " + maxIndefiniteLengths
                        + " indefinite-length encodings (limits.maxIndefiniteLengths)");
            }
            frames.push(tagByte, -1);
            phase = Phase.TAG;
            return;
        }
        if (octet > 0x80) {
            lengthOctets = octet & 0x7f;
            if (lengthOctets > 8) {
                throw malformed("declared length field of " + lengthOctets + " bytes");
            }
            length = 0;
            phase = Phase.LENGTH_LONG;
            return;
        }
        if (octet == 0 && tagByte == 0 && frames.indefinite()) {
            frames.pop(); // end-of-contents
            elementDone();
            return;
        }
        definite(octet);
    }

    private void definite(long declared)
            throws InvalidRequestException, DecryptionFailedException {
        long room = frames.bound() - pos;
        if (declared > room) {
            // A header can itself run past the element that holds it: "the -1 bytes that
            // remain" read as a bug (an interop trial's log).
            refusePastBound(room < 0 ? "the header of an element runs " + -room + " byte(s)"
                    + " past the end of the element that holds it"
                    : "declared length " + declared + " exceeds the " + room
                    + " bytes that remain");
        }
        boolean constructed = (tagByte & 0x20) != 0;
        if (constructed) {
            frames.push(tagByte, pos + declared);
            phase = Phase.TAG;
            if (declared == 0) {
                frames.pop();
                elementDone();
            }
            return;
        }
        bodyIsContent = frames.isContent(tagByte);
        bodyIsVersion = frames.isVersion(tagByte);
        if (frames.isContentType(tagByte)) {
            if (declared == 0 || declared > MAX_OID_OCTETS) {
                throw malformed("a content type of " + declared + " octets");
            }
            contentType = new java.io.ByteArrayOutputStream();
        }
        frames.childOpened(tagByte);
        if (bodyIsVersion && declared != 1) {
            // 0 to 4 take one octet (X.690 8.3.2: BER too); refused before any is read.
            throw malformedVersion("a version of " + declared + " octets");
        }
        if (!bodyIsContent && structureBytes + declared > MAX_STRUCTURE_BYTES) {
            throw tooMuchStructure();
        }
        bodyLeft = declared;
        phase = Phase.BODY;
        if (declared == 0) {
            elementDone();
        }
    }

    private void checkContentType() throws InvalidRequestException, DecryptionFailedException {
        byte[] contents = contentType.toByteArray();
        contentType = null;
        byte[] der = new byte[contents.length + 2];
        der[0] = 0x06;
        der[1] = (byte) contents.length;
        System.arraycopy(contents, 0, der, 2, contents.length);
        org.bouncycastle.asn1.ASN1ObjectIdentifier type;
        try {
            type = org.bouncycastle.asn1.ASN1ObjectIdentifier.getInstance(der);
        } catch (IllegalArgumentException e) {
            throw malformed("a content type that is no object identifier");
        }
        if (!EnvelopeStream.isEnvelope(type)) {
            throw EnvelopeStream.notEncrypted(type);
        }
    }

    private void checkVersion(int octet) throws DecryptionFailedException {
        bodyIsVersion = false;
        if (octet > 4) {
            throw malformedVersion("version " + (byte) octet);
        }
    }

    private static DecryptionFailedException malformedVersion(String what) {
        return new DecryptionFailedException("malformed CMS: " + what
                + " (a CMSVersion is 0 to 4, RFC 5652)");
    }

    /** An element ended at {@code pos}: close every definite parent that ends here too. */
    private void elementDone() {
        frames.popEndingAt(pos);
        phase = frames.empty() ? Phase.DONE : Phase.TAG;
    }

    /**
     * An element reaches past the innermost bound: if that is limits.maxMessageBytes, the
     * message is too large (not secret, and raising the limit is the fix); past a definite
     * parent, or past the end of a whole message, it is malformed like any lying length.
     */
    private void refusePastBound(String why)
            throws InvalidRequestException, DecryptionFailedException {
        if (limited && frames.boundIsOuter()) {
            throw InvalidRequestException.overMaxMessageBytes("message", frames.bound());
        }
        throw malformed(why);
    }

    private InvalidRequestException tooMuchStructure() {
        return new InvalidRequestException("message has more than " + MAX_STRUCTURE_BYTES
                + " bytes outside its encrypted content");
    }

    private static DecryptionFailedException malformed(String why) {
        return new DecryptionFailedException("malformed ASN.1: " + why);
    }
}
