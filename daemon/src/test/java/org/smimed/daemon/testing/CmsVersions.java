package org.smimed.daemon.testing;

import java.io.IOException;
import java.math.BigInteger;
import java.util.Arrays;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.ASN1Set;
import org.bouncycastle.asn1.ASN1TaggedObject;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.DERSet;
import org.bouncycastle.asn1.DERTaggedObject;
import org.bouncycastle.asn1.cms.ContentInfo;

/**
 * Rewrites the CMSVersion fields of an EnvelopedData or AuthEnvelopedData (re-encoded as DER),
 * for tests of how the daemon judges them.
 */
public final class CmsVersions {
    private CmsVersions() {
    }

    /** An INTEGER of {@code octets} octets, all 0x01: far outside 0 to 4. */
    public static BigInteger huge(int octets) {
        byte[] magnitude = new byte[octets];
        Arrays.fill(magnitude, (byte) 1);
        return new BigInteger(1, magnitude);
    }

    /** {@code message} with the envelope's own version replaced by {@code version}. */
    public static byte[] envelope(byte[] message, BigInteger version) throws IOException {
        ContentInfo info = ContentInfo.getInstance(message);
        ASN1Sequence envelope = ASN1Sequence.getInstance(info.getContent());
        return new ContentInfo(info.getContentType(), replaceFirst(envelope, version))
                .getEncoded(ASN1Encoding.DER);
    }

    /** {@code message} with its first RecipientInfo's version replaced by {@code version}. */
    public static byte[] firstRecipient(byte[] message, BigInteger version) throws IOException {
        ContentInfo info = ContentInfo.getInstance(message);
        ASN1Sequence envelope = ASN1Sequence.getInstance(info.getContent());
        ASN1EncodableVector fields = new ASN1EncodableVector();
        for (ASN1Encodable field : envelope) {
            fields.add(field instanceof ASN1Set recipients
                    ? withFirstRecipient(recipients, version) : field);
        }
        return new ContentInfo(info.getContentType(), new DERSequence(fields))
                .getEncoded(ASN1Encoding.DER);
    }

    private static ASN1Set withFirstRecipient(ASN1Set recipients, BigInteger version) {
        ASN1EncodableVector infos = new ASN1EncodableVector();
        for (int i = 0; i < recipients.size(); i++) {
            ASN1Encodable info = recipients.getObjectAt(i);
            if (i == 0 && info instanceof ASN1TaggedObject tagged) {
                // kari [1], kekri [2], pwri [3]: IMPLICIT SEQUENCEs
                info = new DERTaggedObject(false, tagged.getTagNo(),
                        replaceFirst(ASN1Sequence.getInstance(tagged, false), version));
            } else if (i == 0) {
                info = replaceFirst(ASN1Sequence.getInstance(info), version);
            }
            infos.add(info);
        }
        return new DERSet(infos);
    }

    private static ASN1Sequence replaceFirst(ASN1Sequence sequence, BigInteger version) {
        ASN1EncodableVector fields = new ASN1EncodableVector();
        fields.add(new ASN1Integer(version));
        for (int i = 1; i < sequence.size(); i++) {
            fields.add(sequence.getObjectAt(i));
        }
        return new DERSequence(fields);
    }
}
