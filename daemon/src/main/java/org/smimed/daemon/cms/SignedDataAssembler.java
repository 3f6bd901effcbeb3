package org.smimed.daemon.cms;

import java.io.IOException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.DERSet;
import org.bouncycastle.asn1.cms.Attribute;
import org.bouncycastle.asn1.cms.CMSAlgorithmProtection;
import org.bouncycastle.asn1.cms.CMSAttributes;
import org.bouncycastle.asn1.cms.CMSObjectIdentifiers;
import org.bouncycastle.asn1.cms.Time;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;

/**
 * Assembles the DER ContentInfo of a one-signer SignedData (RFC 5652) from parts encoded once
 * per key version — the certificates, the signer identifier, the fixed signed attributes — and
 * the few that change per message: signingTime, messageDigest and the signature.
 *
 * <p>Why not Bouncy Castle's CMSSignedDataGenerator: it rebuilds and re-encodes every
 * certificate of the chain on every call, which profiling showed to be the largest share of a
 * Sign call's CPU in the daemon. Guarantee: the bytes are those that generator produces with
 * {@code getEncoded("DER")} for the same inputs (checked by SignedDataAssemblerTest).
 */
final class SignedDataAssembler {
    private static final byte[] VERSION_1 = {Der.INTEGER, 1, 1};
    private static final byte[] ID_DATA = der(CMSObjectIdentifiers.data);
    private static final byte[] ID_SIGNED_DATA = der(CMSObjectIdentifiers.signedData);
    private static final byte[] CONTENT_TYPE_DATA = der(new Attribute(CMSAttributes.contentType,
            new DERSet(CMSObjectIdentifiers.data)));
    private static final byte[] ID_MESSAGE_DIGEST = der(CMSAttributes.messageDigest);
    private static final byte[] ID_SIGNING_TIME = der(CMSAttributes.signingTime);
    private static final int UTC_TIME = 0x17;

    private SignedDataAssembler() {
    }

    /**
     * The signed attributes as a DER SET — exactly the bytes the signature covers (RFC 5652
     * section 5.4): contentType, signingTime, messageDigest, CMSAlgorithmProtection, and the
     * profile's SMIMECapabilities, signingCertificateV2 and encryption key preferences (if any).
     */
    static byte[] signedAttributes(SignerProfile profile, Instant signingTime, byte[] digest,
                                   byte[] algorithmProtection) {
        byte[] messageDigest = Der.tlv(Der.SEQUENCE, ID_MESSAGE_DIGEST,
                Der.tlv(Der.SET, Der.tlv(Der.OCTET_STRING, digest)));
        byte[] time = signingTime(signingTime);
        List<byte[]> attributes = new ArrayList<>(List.of(CONTENT_TYPE_DATA, time, messageDigest,
                algorithmProtection, profile.smimeCapabilitiesDer(),
                profile.signingCertificateV2Der()));
        attributes.addAll(profile.encryptionKeyPreferencesDer());
        return Der.tlv(Der.SET, Der.setContents(attributes));
    }

    /**
     * The signingTime attribute. RFC 5652 11.3 requires UTCTime for 1950-2049: written here
     * directly (SimpleDateFormat inside Bouncy Castle's Time was a visible share of a
     * signature's CPU), and other years are left to Bouncy Castle (GeneralizedTime).
     */
    static byte[] signingTime(Instant signingTime) {
        LocalDateTime t = LocalDateTime.ofEpochSecond(signingTime.getEpochSecond(), 0,
                ZoneOffset.UTC);
        if (t.getYear() < 1950 || t.getYear() > 2049) {
            return der(new Attribute(CMSAttributes.signingTime,
                    new DERSet(new Time(Date.from(signingTime)))));
        }
        byte[] utc = new byte[13];
        int at = 0;
        for (int field : new int[] {t.getYear() % 100, t.getMonthValue(), t.getDayOfMonth(),
            t.getHour(), t.getMinute(), t.getSecond()}) {
            utc[at++] = (byte) ('0' + field / 10);
            utc[at++] = (byte) ('0' + field % 10);
        }
        utc[at] = 'Z';
        return Der.tlv(Der.SEQUENCE, ID_SIGNING_TIME, Der.tlv(Der.SET, Der.tlv(UTC_TIME, utc)));
    }

    /** The CMSAlgorithmProtection attribute (RFC 6211) for one digest and signature algorithm. */
    static byte[] algorithmProtection(AlgorithmIdentifier digest, AlgorithmIdentifier signature) {
        return der(new Attribute(CMSAttributes.cmsAlgorithmProtect, new DERSet(
                new CMSAlgorithmProtection(digest, CMSAlgorithmProtection.SIGNATURE, signature))));
    }

    /**
     * The ContentInfo: SignedData version 1 with one digest algorithm, id-data content (inside
     * when {@code content} is present, detached otherwise), the profile's certificates and one
     * SignerInfo identified by issuer and serial number.
     */
    static byte[] contentInfo(SignerProfile profile, byte[] digestAlgorithm,
                              byte[] signedAttributes, byte[] signatureAlgorithm,
                              byte[] signature, Optional<byte[]> content) {
        byte[] implicitAttributes = signedAttributes.clone();
        implicitAttributes[0] = (byte) Der.CONTEXT_0; // [0] IMPLICIT SET OF Attribute
        Der.Value digestAlgorithmDer = Der.encoded(digestAlgorithm);
        Der.Value signerInfo = Der.value(Der.SEQUENCE, Der.encoded(VERSION_1),
                Der.encoded(profile.signerIdentifierDer()), digestAlgorithmDer,
                Der.encoded(implicitAttributes), Der.encoded(signatureAlgorithm),
                Der.value(Der.OCTET_STRING, Der.encoded(signature)));
        Der.Value encapsulated = content.isPresent()
                ? Der.value(Der.SEQUENCE, Der.encoded(ID_DATA), Der.value(Der.CONTEXT_0,
                        Der.value(Der.OCTET_STRING, Der.encoded(content.get()))))
                : Der.value(Der.SEQUENCE, Der.encoded(ID_DATA));
        Der.Value signedData = Der.value(Der.SEQUENCE, Der.encoded(VERSION_1),
                Der.value(Der.SET, digestAlgorithmDer), encapsulated,
                Der.value(Der.CONTEXT_0, Der.encoded(profile.certificatesDer())),
                Der.value(Der.SET, signerInfo));
        return Der.encode(Der.value(Der.SEQUENCE, Der.encoded(ID_SIGNED_DATA),
                Der.value(Der.CONTEXT_0, signedData)));
    }

    static byte[] der(ASN1Encodable value) {
        try {
            return value.toASN1Primitive().getEncoded(ASN1Encoding.DER);
        } catch (IOException e) {
            throw new IllegalStateException("DER encoding of a constructed value failed", e);
        }
    }
}
