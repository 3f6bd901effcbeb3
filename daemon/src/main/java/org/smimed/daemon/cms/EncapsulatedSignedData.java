package org.smimed.daemon.cms;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.ASN1Set;
import org.bouncycastle.asn1.cms.CMSObjectIdentifiers;
import org.bouncycastle.asn1.cms.ContentInfo;
import org.bouncycastle.asn1.cms.SignedData;

/**
 * The BER framing of an encapsulating SignedData written while its content streams past, in
 * the shape Bouncy Castle's CMSSignedDataStreamGenerator writes: ContentInfo, its [0],
 * SignedData, encapContentInfo and eContent with indefinite lengths; the content as a
 * constructed OCTET STRING of definite-length segments; then the certificates and signerInfos.
 *
 * <p>Guarantee: the certificates, signerInfos and digest algorithm are byte for byte those of
 * the detached DER SignedData made for the same content's digest ({@link #closing}), so the
 * signed attributes and signer are exactly those of a digest-mode Sign.
 */
final class EncapsulatedSignedData {
    private static final byte[] INDEFINITE_END = {0, 0};
    private static final byte[] VERSION_1 = {Der.INTEGER, 1, 1};
    private static final int CONSTRUCTED_OCTET_STRING = 0x24;

    private EncapsulatedSignedData() {
    }

    /** Everything before the first content segment, for a signature with {@code digest}. */
    static byte[] opening(DigestAlgorithm digest) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(64);
        indefinite(out, Der.SEQUENCE);
        out.writeBytes(SignedDataAssembler.der(CMSObjectIdentifiers.signedData));
        indefinite(out, Der.CONTEXT_0);
        indefinite(out, Der.SEQUENCE);
        out.writeBytes(VERSION_1);
        out.writeBytes(Der.tlv(Der.SET, SignedDataAssembler.der(digest.identifier())));
        indefinite(out, Der.SEQUENCE);
        out.writeBytes(SignedDataAssembler.der(CMSObjectIdentifiers.data));
        indefinite(out, Der.CONTEXT_0);
        indefinite(out, CONSTRUCTED_OCTET_STRING);
        return out.toByteArray();
    }

    /** The tag and definite length of one content segment of {@code length} bytes. */
    static byte[] segmentHeader(int length) {
        if (length < 0x80) {
            return new byte[] {Der.OCTET_STRING, (byte) length};
        }
        int bytes = (Integer.SIZE - Integer.numberOfLeadingZeros(length) + 7) / 8;
        byte[] header = new byte[2 + bytes];
        header[0] = Der.OCTET_STRING;
        header[1] = (byte) (0x80 | bytes);
        for (int i = 0; i < bytes; i++) {
            header[2 + i] = (byte) (length >>> (8 * (bytes - 1 - i)));
        }
        return header;
    }

    /**
     * Everything after the last content segment: the ends of the content, the certificates
     * and the signerInfos of {@code detached} (a DER ContentInfo over the same content's
     * digest, made with {@code digest}), and the ends of the outer structures.
     */
    static byte[] closing(DigestAlgorithm digest, byte[] detached) {
        SignedData signed = SignedData.getInstance(ContentInfo.getInstance(
                parse(detached)).getContent());
        byte[] digestAlgorithms = der(signed.getDigestAlgorithms());
        if (!Arrays.equals(digestAlgorithms,
                Der.tlv(Der.SET, SignedDataAssembler.der(digest.identifier())))) {
            throw new IllegalStateException("the signature's digest algorithm is not " + digest);
        }
        byte[] certificates = der(signed.getCertificates());
        certificates[0] = (byte) Der.CONTEXT_0; // [0] IMPLICIT CertificateSet
        ByteArrayOutputStream out = new ByteArrayOutputStream(certificates.length + 2048);
        for (int i = 0; i < 3; i++) { // eContent's OCTET STRING, eContent, encapContentInfo
            out.writeBytes(INDEFINITE_END);
        }
        out.writeBytes(certificates);
        out.writeBytes(der(signed.getSignerInfos()));
        for (int i = 0; i < 3; i++) { // SignedData, ContentInfo's [0], ContentInfo
            out.writeBytes(INDEFINITE_END);
        }
        return out.toByteArray();
    }

    private static void indefinite(ByteArrayOutputStream out, int tag) {
        out.write(tag);
        out.write(0x80);
    }

    private static ASN1Primitive parse(byte[] der) {
        try {
            return ASN1Primitive.fromByteArray(der);
        } catch (IOException e) {
            throw new IllegalStateException("the signer's own SignedData does not parse", e);
        }
    }

    private static byte[] der(ASN1Set set) {
        try {
            return set.getEncoded(ASN1Encoding.DER);
        } catch (IOException e) {
            throw new IllegalStateException("DER encoding of a parsed SET failed", e);
        }
    }
}
