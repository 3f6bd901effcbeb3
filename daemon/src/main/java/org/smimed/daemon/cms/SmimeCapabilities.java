package org.smimed.daemon.cms;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.bouncycastle.asn1.DERNull;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.nist.NISTObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.RSAESOAEPparams;
import org.bouncycastle.asn1.smime.SMIMECapabilityVector;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.smimed.daemon.keys.KeyVersion;
import org.smimed.daemon.token.KeyAlgorithm;

/**
 * What an identity announces (RFC 8551 section 2.5.2), most preferred first, in every
 * signature and in the directory, so that senders pick what this daemon decrypts: the
 * content-encryption algorithms of {@code decryption.contentAlgorithms} in {@link #PREFERENCE}
 * order, and for an identity whose encryption key is RSA, RSAES-OAEP with SHA-256 before
 * PKCS#1 v1.5 (RFC 3560 section 5, RFC 4055): OAEP leaves no padding oracle to guard against.
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

    /** SHA-256 as RFC 4055's sha256Identifier writes it (NULL parameters). */
    private static final AlgorithmIdentifier SHA256 =
            new AlgorithmIdentifier(NISTObjectIdentifiers.id_sha256, DERNull.INSTANCE);
    /** RFC 4055's rSAES-OAEP-SHA256-Params: SHA-256, MGF1 with SHA-256, the empty label. */
    static final RSAESOAEPparams OAEP_SHA256 = new RSAESOAEPparams(SHA256,
            new AlgorithmIdentifier(PKCSObjectIdentifiers.id_mgf1, SHA256),
            RSAESOAEPparams.DEFAULT_P_SOURCE_ALGORITHM);

    private final List<ContentCipher> announced;
    private final byte[] encoded;
    private final byte[] encodedForRsa;

    private SmimeCapabilities(List<ContentCipher> announced) {
        this.announced = announced;
        this.encoded = encode(vector(false));
        this.encodedForRsa = encode(vector(true));
    }

    private static byte[] encode(SMIMECapabilityVector vector) {
        try {
            return new DERSequence(vector.toASN1EncodableVector()).getEncoded("DER");
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

    /**
     * What is announced for an identity whose encryption version is {@code encryption}: key
     * transports only for an RSA key (EC keys are reached by the one key agreement senders
     * use, and an identity with no key to encrypt to has nothing to say about them).
     */
    SMIMECapabilityVector vector(Optional<KeyVersion> encryption) {
        return vector(rsa(encryption));
    }

    private SMIMECapabilityVector vector(boolean rsaKeyTransport) {
        SMIMECapabilityVector vector = new SMIMECapabilityVector();
        announced.forEach(c -> vector.addCapability(c.oid()));
        if (rsaKeyTransport) {
            vector.addCapability(PKCSObjectIdentifiers.id_RSAES_OAEP, OAEP_SHA256);
            vector.addCapability(PKCSObjectIdentifiers.rsaEncryption);
        }
        return vector;
    }

    /** DER SMIMECapabilities (a SEQUENCE OF SMIMECapability), as {@link #vector} says. */
    public byte[] encoded(Optional<KeyVersion> encryption) {
        return (rsa(encryption) ? encodedForRsa : encoded).clone();
    }

    private static boolean rsa(Optional<KeyVersion> encryption) {
        return encryption.filter(v -> v.algorithm().family() == KeyAlgorithm.Family.RSA)
                .isPresent();
    }
}
