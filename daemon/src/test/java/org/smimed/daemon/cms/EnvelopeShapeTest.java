package org.smimed.daemon.cms;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.ASN1TaggedObject;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.DERTaggedObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.smimed.daemon.testing.OpenSsl;

/**
 * Envelopes with elements where RFC 5652 and 5083 have none are refused as the bytes pass.
 * Found by an interop trial: Bouncy Castle's parser reads what it expects and passes over the
 * rest, so a GCM tag moved into EncryptedContentInfo, a second OCTET STRING after the tag, or
 * one after a CBC message's content decrypted where OpenSSL refuses each.
 */
class EnvelopeShapeTest {
    private static final byte[] PLAINTEXT = "Subject: x\r\n\r\nhello\r\n"
            .getBytes(StandardCharsets.US_ASCII);
    private static final DEROctetString JUNK = new DEROctetString(new byte[] {1, 2, 3});

    @TempDir
    static Path dir;
    private static byte[] gcm;
    private static byte[] cbc;

    @BeforeAll
    static void messages() throws Exception {
        Path recipient = OpenSsl.strangerCertificate(dir);
        gcm = OpenSsl.encrypt(dir, "-aes-256-gcm", PLAINTEXT, recipient);
        cbc = OpenSsl.encrypt(dir, "-aes-256-cbc", PLAINTEXT, recipient);
    }

    @Test
    void openSslsOwnMessages_pass() throws Exception {
        assertThat(refusal(gcm)).isNull();
        assertThat(refusal(cbc)).isNull();
    }

    @Test
    void aTagInsideEncryptedContentInfo_isRefused() throws Exception {
        ASN1Sequence envelope = envelope(gcm);
        ASN1EncodableVector fields = new ASN1EncodableVector();
        ASN1EncodableVector contentInfo = elements(contentInfo(envelope));
        contentInfo.add(envelope.getObjectAt(envelope.size() - 1)); // the mac, moved
        for (int i = 0; i < envelope.size() - 1; i++) {
            fields.add(envelope.getObjectAt(i) == contentInfo(envelope)
                    ? new DERSequence(contentInfo) : envelope.getObjectAt(i));
        }

        assertThat(refusal(message(gcm, new DERSequence(fields)))).isEqualTo("malformed CMS:"
                + " EncryptedContentInfo holds more than its content type, algorithm and [0]"
                + " encrypted content (RFC 5652, 5083)");
    }

    @Test
    void somethingAfterTheTag_isRefused() throws Exception {
        ASN1EncodableVector fields = elements(envelope(gcm));
        fields.add(JUNK);

        assertThat(refusal(message(gcm, new DERSequence(fields)))).isEqualTo("malformed CMS:"
                + " an element after EncryptedContentInfo that is not [1] attributes, the mac"
                + " or [2] attributes, in order (RFC 5652, 5083)");
    }

    @Test
    void somethingAfterTheContent_isRefused() throws Exception {
        ASN1Sequence envelope = envelope(cbc);
        ASN1EncodableVector fields = new ASN1EncodableVector();
        for (int i = 0; i < envelope.size(); i++) {
            if (envelope.getObjectAt(i) == contentInfo(envelope)) {
                ASN1EncodableVector padded = elements(contentInfo(envelope));
                padded.add(JUNK);
                fields.add(new DERSequence(padded));
            } else {
                fields.add(envelope.getObjectAt(i));
            }
        }

        assertThat(refusal(message(cbc, new DERSequence(fields)))).startsWith("malformed CMS:"
                + " EncryptedContentInfo holds more than");
    }

    /** Found by a second review: after the envelope, and after ContentInfo's [0]. */
    @Test
    void somethingAfterTheEnvelopeOrItsWrapper_isRefused() throws Exception {
        ASN1Sequence contentInfo = ASN1Sequence.getInstance(cbc);
        byte[] afterWrapper = new DERSequence(new org.bouncycastle.asn1.ASN1Encodable[] {
            contentInfo.getObjectAt(0), contentInfo.getObjectAt(1), JUNK}).getEncoded();
        // [0] EXPLICIT holds one element; two must be written by hand.
        java.io.ByteArrayOutputStream wrapper = new java.io.ByteArrayOutputStream();
        wrapper.writeBytes(envelope(cbc).getEncoded());
        wrapper.writeBytes(JUNK.getEncoded());
        java.io.ByteArrayOutputStream inner = new java.io.ByteArrayOutputStream();
        inner.writeBytes(contentInfo.getObjectAt(0).toASN1Primitive().getEncoded());
        inner.write(0xA0);
        inner.writeBytes(derLength(wrapper.size()));
        inner.writeBytes(wrapper.toByteArray());
        java.io.ByteArrayOutputStream afterEnvelopeOut = new java.io.ByteArrayOutputStream();
        afterEnvelopeOut.write(0x30);
        afterEnvelopeOut.writeBytes(derLength(inner.size()));
        afterEnvelopeOut.writeBytes(inner.toByteArray());
        byte[] afterEnvelope = afterEnvelopeOut.toByteArray();

        assertThat(refusal(afterWrapper)).isEqualTo("malformed CMS: ContentInfo holds more"
                + " than its content (RFC 5652, 5083)");
        assertThat(refusal(afterEnvelope)).isEqualTo("malformed CMS: ContentInfo's [0] holds"
                + " more than its content (RFC 5652, 5083)");
    }

    private static byte[] derLength(int length) {
        return length < 0x80 ? new byte[] {(byte) length} : length < 0x100
                ? new byte[] {(byte) 0x81, (byte) length}
                : new byte[] {(byte) 0x82, (byte) (length >> 8), (byte) length};
    }

    /** The (Auth)EnvelopedData inside ContentInfo's [0]. */
    private static ASN1Sequence envelope(byte[] message) {
        ASN1Sequence contentInfo = ASN1Sequence.getInstance(message);
        return ASN1Sequence.getInstance(ASN1TaggedObject.getInstance(contentInfo.getObjectAt(1))
                .getExplicitBaseObject());
    }

    /** The envelope's first SEQUENCE: its (Auth)EncryptedContentInfo. */
    private static ASN1Sequence contentInfo(ASN1Sequence envelope) {
        for (int i = 0; i < envelope.size(); i++) {
            if (envelope.getObjectAt(i) instanceof ASN1Sequence sequence) {
                return sequence;
            }
        }
        throw new AssertionError("no EncryptedContentInfo");
    }

    private static ASN1EncodableVector elements(ASN1Sequence sequence) {
        ASN1EncodableVector out = new ASN1EncodableVector();
        sequence.forEach(out::add);
        return out;
    }

    /** {@code original}'s ContentInfo with {@code envelope} in its [0]. */
    private static byte[] message(byte[] original, DERSequence envelope) throws IOException {
        ASN1Sequence contentInfo = ASN1Sequence.getInstance(original);
        return new DERSequence(new org.bouncycastle.asn1.ASN1Encodable[] {
            contentInfo.getObjectAt(0), new DERTaggedObject(true, 0, envelope)}).getEncoded();
    }

    /** What the guard says of {@code message} as it passes, or null if it passes. */
    private static String refusal(byte[] message) {
        IOException e = catchThrowableOfType(IOException.class, () -> Asn1StreamGuard.streamed(
                new ByteArrayInputStream(message), 1 << 20, MessageLimits.DEFAULTS)
                .transferTo(OutputStream.nullOutputStream()));
        return e == null ? null : ((DecryptionFailedException) e.getCause()).detail();
    }
}
