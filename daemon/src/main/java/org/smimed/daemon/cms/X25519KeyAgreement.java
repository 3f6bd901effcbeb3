package org.smimed.daemon.cms;

import java.io.IOException;
import java.security.Key;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Map;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.cms.ecc.ECCCMSSharedInfo;
import org.bouncycastle.asn1.nist.NISTObjectIdentifiers;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cms.CMSException;
import org.bouncycastle.crypto.Digest;
import org.bouncycastle.crypto.InvalidCipherTextException;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.digests.SHA384Digest;
import org.bouncycastle.crypto.digests.SHA512Digest;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.params.HKDFParameters;
import org.bouncycastle.util.Pack;
import org.smimed.daemon.token.KeyAlgorithm;
import org.smimed.daemon.token.TokenErrors;
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
    private static final Map<ASN1ObjectIdentifier, Integer> WRAP_KEY_BYTES = Map.of(
            NISTObjectIdentifiers.id_aes128_wrap, 16,
            NISTObjectIdentifiers.id_aes192_wrap, 24,
            NISTObjectIdentifiers.id_aes256_wrap, 32);
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
        AlgorithmIdentifier wrap = AlgorithmIdentifier.getInstance(keyAlgorithm.getParameters());
        Integer kekBytes = WRAP_KEY_BYTES.get(wrap.getAlgorithm());
        if (kekBytes == null) {
            throw new CMSException("unsupported key wrap " + wrap.getAlgorithm());
        }
        byte[] ephemeral = senderKey(sender);
        byte[] substitute = new byte[cipher.keyBytes()];
        random.nextBytes(substitute);
        byte[] z = null;
        byte[] kek = new byte[kekBytes];
        try {
            z = meter.measure(TokenMechanism.X25519_DERIVE, () -> key.agree(ephemeral));
            byte[] sharedInfo = new ECCCMSSharedInfo(wrap,
                    ukm == null ? null : ukm.getOctets(), Pack.intToBigEndian(kekBytes * 8))
                    .getEncoded(ASN1Encoding.DER);
            HKDFBytesGenerator hkdf = new HKDFBytesGenerator(hash);
            hkdf.init(new HKDFParameters(z, ukm == null ? null : ukm.getOctets(), sharedInfo));
            hkdf.generateBytes(kek, 0, kek.length);
            return KeyUnwrap.unwrap(kek, encryptedKey, cipher, substitute);
        } catch (org.smimed.daemon.token.TokenException | InvalidCipherTextException
                 | IOException | RuntimeException e) {
            if (TokenErrors.isTokenGone(e)) {
                throw new TokenUnavailableSignal(e);
            }
            return new SecretKeySpec(substitute, cipher.keyAlgorithm());
        } finally {
            if (z != null) {
                Arrays.fill(z, (byte) 0);
            }
            Arrays.fill(kek, (byte) 0);
        }
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
