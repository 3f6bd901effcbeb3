package org.smimed.daemon.cms;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.smime.SMIMECapabilityVector;

/**
 * The content-encryption algorithms an identity announces (RFC 8551 section 2.5.2), most
 * preferred first, in every signature and in the directory, so that senders pick one this
 * daemon decrypts: those of {@code decryption.contentAlgorithms} in {@link #PREFERENCE} order.
 * A deployment that turns CBC off must not invite CBC mail it will refuse; Triple DES, kept
 * for archived mail only, is never invited.
 */
public final class SmimeCapabilities {
    /**
     * AEAD before CBC; within each, AES-256 and AES-128 (what RFC 8551 requires receivers to
     * support, so every sender has them) before AES-192.
     */
    static final List<ContentCipher> PREFERENCE = List.of(ContentCipher.AES256_GCM,
            ContentCipher.AES128_GCM, ContentCipher.AES192_GCM, ContentCipher.CHACHA20_POLY1305,
            ContentCipher.AES256_CBC, ContentCipher.AES128_CBC, ContentCipher.AES192_CBC);

    private final List<ContentCipher> announced;
    private final byte[] encoded;

    private SmimeCapabilities(List<ContentCipher> announced) {
        this.announced = announced;
        try {
            this.encoded = new DERSequence(vector().toASN1EncodableVector()).getEncoded("DER");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode SMIMECapabilities", e);
        }
    }

    /** What a daemon that decrypts {@code decrypted} announces. */
    public static SmimeCapabilities of(Set<ContentCipher> decrypted) {
        return new SmimeCapabilities(PREFERENCE.stream().filter(decrypted::contains).toList());
    }

    /** What a daemon with the default {@code decryption.contentAlgorithms} announces. */
    public static SmimeCapabilities defaults() {
        return of(ContentCipher.defaults());
    }

    /**
     * Why this announcement misleads senders, if it does: with only Triple DES allowed it is
     * empty, and a sender told nothing picks AES (RFC 8551 section 2.7.1), which this daemon
     * would refuse.
     */
    public Optional<String> warning() {
        if (!announced.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of("decryption.contentAlgorithms allows only Triple DES, which is never"
                + " announced: signatures and the directory carry an empty SMIMECapabilities,"
                + " so senders will choose AES on their own and this daemon will refuse their mail;"
                + " add the AES algorithms unless it only decrypts archived mail");
    }

    SMIMECapabilityVector vector() {
        SMIMECapabilityVector vector = new SMIMECapabilityVector();
        announced.forEach(c -> vector.addCapability(c.oid()));
        return vector;
    }

    /** DER SMIMECapabilities (a SEQUENCE OF SMIMECapability). */
    public byte[] encoded() {
        return encoded.clone();
    }
}
