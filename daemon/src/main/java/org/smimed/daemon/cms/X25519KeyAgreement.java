package org.smimed.daemon.cms;

import java.security.Key;
import java.security.SecureRandom;
import java.util.Map;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cms.CMSException;
import org.bouncycastle.crypto.Digest;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.digests.SHA384Digest;
import org.bouncycastle.crypto.digests.SHA512Digest;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.params.HKDFParameters;
import org.smimed.daemon.token.KeyAlgorithm;
import org.smimed.daemon.token.TokenKeyReference;
import org.smimed.daemon.token.TokenMechanism;
import org.smimed.daemon.token.TokenMeter;

/**
 * Recovers a content-encryption key sent with ephemeral-static X25519 (RFC 8418):
 * dhSinglePass-stdDH-hkdf-sha256/384/512-scheme, the KDF being HKDF with the DER
 * ECC-CMS-SharedInfo as info and the ukm, when the sender gave one, both as HKDF salt and as
 * the SharedInfo's entityUInfo (RFC 8418 section 2.2); then AES key unwrap (128/192/256).
 *
 * <p>The X25519 derivation runs in the token ({@link TokenKeyReference#agree}); the shared
 * secret comes back only to feed Bouncy Castle's HKDF here and is wiped.
 *
 * <p>Security guarantee: once the parameters are read, every failure (a token error other than
 * "token gone", a failed key unwrap, a wrong key length) continues with a random key, so it
 * surfaces at content decryption like any other failure.
 */
final class X25519KeyAgreement {
    private static final String SMIME_ALG = "1.2.840.113549.1.9.16.3.";
    private static final Map<ASN1ObjectIdentifier, String> KDF_HASHES = Map.of(
            new ASN1ObjectIdentifier(SMIME_ALG + "19"), "SHA-256",
            new ASN1ObjectIdentifier(SMIME_ALG + "20"), "SHA-384",
            new ASN1ObjectIdentifier(SMIME_ALG + "21"), "SHA-512");
    private static final int X25519_BYTES = 32;

    private final SecureRandom random;
    private final TokenMeter meter;

    X25519KeyAgreement(SecureRandom random, TokenMeter meter) {
        this.random = random;
        this.meter = meter;
    }

    /** Whether {@code algorithm} is an RFC 8418 key-agreement scheme this class handles. */
    static boolean supports(ASN1ObjectIdentifier algorithm) {
        return KDF_HASHES.containsKey(algorithm);
    }

    Key recover(TokenKeyReference key, AlgorithmIdentifier keyAlgorithm, ContentCipher cipher,
                SubjectPublicKeyInfo sender, ASN1OctetString ukm, byte[] encryptedKey)
            throws CMSException {
        Digest hash = kdfHash(keyAlgorithm.getAlgorithm());
        KeyUnwrap.Wrap wrap = KeyUnwrap.wrap(keyAlgorithm);
        byte[] ephemeral = senderKey(sender);
        return KeyUnwrap.recover(wrap, ukm, encryptedKey, cipher, random,
                () -> meter.measure(TokenMechanism.X25519_DERIVE, () -> key.agree(ephemeral)),
                (z, sharedInfo, kek) -> {
                    HKDFBytesGenerator hkdf = new HKDFBytesGenerator(hash);
                    hkdf.init(new HKDFParameters(z, ukm == null ? null : ukm.getOctets(),
                            sharedInfo));
                    hkdf.generateBytes(kek, 0, kek.length);
                });
    }

    private static Digest kdfHash(ASN1ObjectIdentifier algorithm) throws CMSException {
        String name = KDF_HASHES.get(algorithm);
        if (name == null) {
            throw new CMSException("unsupported key agreement " + algorithm);
        }
        return switch (name) {
            case "SHA-256" -> new SHA256Digest();
            case "SHA-384" -> new SHA384Digest();
            default -> new SHA512Digest();
        };
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
