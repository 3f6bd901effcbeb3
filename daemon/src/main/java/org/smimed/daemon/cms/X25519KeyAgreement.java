package org.smimed.daemon.cms;

import java.security.Key;
import java.util.Map;
import java.util.function.Supplier;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.sec.SECObjectIdentifiers;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cms.CMSException;
import org.bouncycastle.crypto.DerivationFunction;
import org.bouncycastle.crypto.Digest;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.digests.SHA384Digest;
import org.bouncycastle.crypto.digests.SHA512Digest;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.generators.KDF2BytesGenerator;
import org.bouncycastle.crypto.params.HKDFParameters;
import org.bouncycastle.crypto.params.KDFParameters;
import org.smimed.daemon.token.KeyAlgorithm;
import org.smimed.daemon.token.TokenKeyReference;
import org.smimed.daemon.token.TokenMechanism;
import org.smimed.daemon.token.TokenMeter;

/**
 * Recovers a content-encryption key sent with ephemeral-static X25519 (RFC 8418), with either
 * of the two KDFs that RFC defines over the DER ECC-CMS-SharedInfo (the ukm, when the sender
 * gave one, as its entityUInfo): HKDF, dhSinglePass-stdDH-hkdf-sha256/384/512-scheme, the ukm
 * also as HKDF salt (section 2.2; what RFC 8551 requires receivers to support), or the ANSI
 * X9.63 KDF, dhSinglePass-stdDH-sha256/384/512kdf-scheme (section 2.1; CryptoSys's examples
 * of draft-ireland-examples-cms use it, Bouncy Castle cannot write it); then AES key unwrap
 * (128/192/256).
 *
 * <p>The X25519 derivation runs in the token ({@link TokenKeyReference#agree}); the shared
 * secret comes back only to feed Bouncy Castle's KDF here and is wiped.
 *
 * <p>Security guarantee: every failure is refused before any content is read, so the next
 * recipient may try ({@link KeyUnwrap} says why that reveals nothing).
 */
final class X25519KeyAgreement {
    private static final String SMIME_ALG = "1.2.840.113549.1.9.16.3.";
    private static final Map<ASN1ObjectIdentifier, Kdf> KDFS = Map.of(
            new ASN1ObjectIdentifier(SMIME_ALG + "19"), new Kdf(true, SHA256Digest::new),
            new ASN1ObjectIdentifier(SMIME_ALG + "20"), new Kdf(true, SHA384Digest::new),
            new ASN1ObjectIdentifier(SMIME_ALG + "21"), new Kdf(true, SHA512Digest::new),
            SECObjectIdentifiers.dhSinglePass_stdDH_sha256kdf_scheme,
                    new Kdf(false, SHA256Digest::new),
            SECObjectIdentifiers.dhSinglePass_stdDH_sha384kdf_scheme,
                    new Kdf(false, SHA384Digest::new),
            SECObjectIdentifiers.dhSinglePass_stdDH_sha512kdf_scheme,
                    new Kdf(false, SHA512Digest::new));
    private static final int X25519_BYTES = 32;

    private final TokenMeter meter;

    X25519KeyAgreement(TokenMeter meter) {
        this.meter = meter;
    }

    /** Whether {@code algorithm} is an RFC 8418 key-agreement scheme this class handles. */
    static boolean supports(ASN1ObjectIdentifier algorithm) {
        return KDFS.containsKey(algorithm);
    }

    Key recover(TokenKeyReference key, AlgorithmIdentifier keyAlgorithm, ContentCipher cipher,
                SubjectPublicKeyInfo sender, ASN1OctetString ukm, byte[] encryptedKey)
            throws CMSException {
        Kdf kdf = KDFS.get(keyAlgorithm.getAlgorithm());
        if (kdf == null) {
            throw new CMSException("unsupported key agreement " + keyAlgorithm.getAlgorithm());
        }
        KeyUnwrap.Wrap wrap = KeyUnwrap.wrap(keyAlgorithm);
        byte[] ephemeral = senderKey(sender);
        return KeyUnwrap.recover(wrap, ukm, encryptedKey, cipher,
                () -> meter.measure(TokenMechanism.X25519_DERIVE, () -> key.agree(ephemeral)),
                (z, sharedInfo, kek) -> {
                    DerivationFunction derivation;
                    if (kdf.hkdf()) {
                        derivation = new HKDFBytesGenerator(kdf.digest().get());
                        derivation.init(new HKDFParameters(z,
                                ukm == null ? null : ukm.getOctets(), sharedInfo));
                    } else {
                        // KDF2 with the SharedInfo as its "iv" is the ANSI X9.63 KDF.
                        derivation = new KDF2BytesGenerator(kdf.digest().get());
                        derivation.init(new KDFParameters(z, sharedInfo));
                    }
                    derivation.generateBytes(kek, 0, kek.length);
                });
    }

    /** One of RFC 8418's KDFs: HKDF, or else the ANSI X9.63 KDF, over a fresh digest. */
    private record Kdf(boolean hkdf, Supplier<Digest> digest) {
    }

    /** The originator's 32-byte X25519 public value; anything else is refused. */
    private static byte[] senderKey(SubjectPublicKeyInfo sender) throws CMSException {
        if (!KeyAlgorithm.X25519.edwardsOid().equals(sender.getAlgorithm().getAlgorithm().getId())
                || sender.getPublicKeyData().getPadBits() != 0
                || sender.getPublicKeyData().getOctets().length != X25519_BYTES) {
            throw new CMSException("bad originator key");
        }
        return sender.getPublicKeyData().getOctets();
    }
}
