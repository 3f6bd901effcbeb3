package org.smimed.daemon.cms;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.util.Map;
import javax.crypto.KeyAgreement;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.sec.SECObjectIdentifiers;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.ECNamedCurveTable;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.cms.CMSException;
import org.bouncycastle.crypto.Digest;
import org.bouncycastle.crypto.digests.SHA1Digest;
import org.bouncycastle.crypto.digests.SHA224Digest;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.digests.SHA384Digest;
import org.bouncycastle.crypto.digests.SHA512Digest;
import org.bouncycastle.crypto.generators.KDF2BytesGenerator;
import org.bouncycastle.crypto.params.KDFParameters;
import org.smimed.daemon.token.TokenMechanism;
import org.smimed.daemon.token.TokenMeter;

/**
 * Recovers a content-encryption key sent with ephemeral-static ECDH (RFC 5753,
 * dhSinglePass-stdDH and -cofactorDH with the SHA-1/224/256/384/512 X9.63 KDFs, AES key wrap
 * 128/192/256).
 *
 * <p>The ECDH derivation runs in the token; the shared secret Z comes back only to feed the
 * KDF here and is wiped. The curve is the recipient certificate's (OpenSSL omits the curve in
 * the originator key), and the sender's point must lie on it — checked before the token sees
 * it, so an invalid-curve point cannot probe the private key. cofactorDH equals stdDH on the
 * NIST prime curves, whose cofactor is 1.
 *
 * <p>Security guarantee: every failure is refused before any content is read, so the next
 * recipient may try ({@link KeyUnwrap} says why that reveals nothing).
 */
final class EcdhKeyAgreement {
    private static final Map<ASN1ObjectIdentifier, String> KDF_HASHES = Map.of(
            X9ObjectIdentifiers.dhSinglePass_stdDH_sha1kdf_scheme, "SHA-1",
            SECObjectIdentifiers.dhSinglePass_stdDH_sha224kdf_scheme, "SHA-224",
            SECObjectIdentifiers.dhSinglePass_stdDH_sha256kdf_scheme, "SHA-256",
            SECObjectIdentifiers.dhSinglePass_stdDH_sha384kdf_scheme, "SHA-384",
            SECObjectIdentifiers.dhSinglePass_stdDH_sha512kdf_scheme, "SHA-512",
            X9ObjectIdentifiers.dhSinglePass_cofactorDH_sha1kdf_scheme, "SHA-1",
            SECObjectIdentifiers.dhSinglePass_cofactorDH_sha224kdf_scheme, "SHA-224",
            SECObjectIdentifiers.dhSinglePass_cofactorDH_sha256kdf_scheme, "SHA-256",
            SECObjectIdentifiers.dhSinglePass_cofactorDH_sha384kdf_scheme, "SHA-384",
            SECObjectIdentifiers.dhSinglePass_cofactorDH_sha512kdf_scheme, "SHA-512");

    private final Provider tokenProvider;
    private final TokenMeter meter;

    EcdhKeyAgreement(Provider tokenProvider, TokenMeter meter) {
        this.meter = meter;
        this.tokenProvider = tokenProvider;
    }

    /** Whether {@code algorithm} is a key-agreement algorithm this class handles. */
    static boolean supports(ASN1ObjectIdentifier algorithm) {
        return KDF_HASHES.containsKey(algorithm);
    }

    Key recover(PrivateKey key, ECPublicKey recipient, AlgorithmIdentifier keyAlgorithm,
                ContentCipher cipher, SubjectPublicKeyInfo sender, ASN1OctetString ukm,
                byte[] encryptedKey) throws CMSException {
        Digest kdfHash = kdfHash(keyAlgorithm.getAlgorithm());
        KeyUnwrap.Wrap wrap = KeyUnwrap.wrap(keyAlgorithm);
        ECPublicKey ephemeral = senderKey(recipient, sender);
        return KeyUnwrap.recover(wrap, ukm, encryptedKey, cipher,
                () -> meter.measure(TokenMechanism.ECDH_DERIVE, () -> {
                    KeyAgreement ecdh = KeyAgreement.getInstance("ECDH", tokenProvider);
                    ecdh.init(key);
                    ecdh.doPhase(ephemeral, true);
                    return ecdh.generateSecret();
                }),
                (z, sharedInfo, kek) -> {
                    KDF2BytesGenerator kdf = new KDF2BytesGenerator(kdfHash); // = ANSI X9.63 KDF
                    kdf.init(new KDFParameters(z, sharedInfo));
                    kdf.generateBytes(kek, 0, kek.length);
                });
    }

    private static Digest kdfHash(ASN1ObjectIdentifier algorithm) throws CMSException {
        String name = KDF_HASHES.get(algorithm);
        if (name == null) {
            throw new CMSException("unsupported key agreement " + algorithm);
        }
        return switch (name) {
            case "SHA-1" -> new SHA1Digest();
            case "SHA-224" -> new SHA224Digest();
            case "SHA-256" -> new SHA256Digest();
            case "SHA-384" -> new SHA384Digest();
            default -> new SHA512Digest();
        };
    }

    /** The originator's point on the recipient's curve, validated. */
    private static ECPublicKey senderKey(ECPublicKey recipient, SubjectPublicKeyInfo sender)
            throws CMSException {
        try {
            ASN1ObjectIdentifier curve = ASN1ObjectIdentifier.getInstance(
                    SubjectPublicKeyInfo.getInstance(recipient.getEncoded()).getAlgorithm()
                            .getParameters());
            if (sender.getAlgorithm().getParameters() instanceof ASN1ObjectIdentifier named
                    && !named.equals(curve)) {
                throw new CMSException("originator key on another curve");
            }
            X9ECParameters parameters = ECNamedCurveTable.getByOID(curve);
            byte[] encoded = sender.getPublicKeyData().getBytes();
            // RFC 5480 section 2.2: compressed (02, 03) or uncompressed (04) only; Bouncy
            // Castle also takes the hybrid form (06, 07), which a hostile-input trial sent.
            if (encoded.length == 0 || encoded[0] != 2 && encoded[0] != 3 && encoded[0] != 4) {
                throw new CMSException("originator key is neither a compressed nor an"
                        + " uncompressed point (RFC 5480)");
            }
            // decodePoint rejects points that are not on the curve.
            org.bouncycastle.math.ec.ECPoint point = parameters.getCurve()
                    .decodePoint(encoded).normalize();
            if (point.isInfinity()) {
                throw new CMSException("originator key is the point at infinity");
            }
            BigInteger x = point.getAffineXCoord().toBigInteger();
            BigInteger y = point.getAffineYCoord().toBigInteger();
            return (ECPublicKey) KeyFactory.getInstance("EC").generatePublic(
                    new ECPublicKeySpec(new ECPoint(x, y), recipient.getParams()));
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new CMSException("bad originator key", e);
        }
    }
}
