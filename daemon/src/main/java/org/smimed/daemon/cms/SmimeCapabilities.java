package org.smimed.daemon.cms;

import java.io.IOException;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.nist.NISTObjectIdentifiers;
import org.bouncycastle.asn1.smime.SMIMECapability;
import org.bouncycastle.asn1.smime.SMIMECapabilityVector;

/**
 * The content-encryption algorithms this daemon decrypts, most preferred first (RFC 8551
 * section 2.5.2), announced in every signature so senders pick something we accept.
 */
public final class SmimeCapabilities {
    private SmimeCapabilities() {
    }

    static SMIMECapabilityVector vector() {
        SMIMECapabilityVector vector = new SMIMECapabilityVector();
        vector.addCapability(NISTObjectIdentifiers.id_aes256_GCM);
        vector.addCapability(NISTObjectIdentifiers.id_aes128_GCM);
        vector.addCapability(SMIMECapability.aES256_CBC);
        vector.addCapability(SMIMECapability.aES128_CBC);
        return vector;
    }

    /** DER SMIMECapabilities (a SEQUENCE OF SMIMECapability). */
    public static byte[] encoded() throws IOException {
        return new DERSequence(vector().toASN1EncodableVector()).getEncoded("DER");
    }
}
