package org.smimed.daemon.cms;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.util.Arrays;
import java.util.Map;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.cms.ecc.ECCCMSSharedInfo;
import org.bouncycastle.asn1.nist.NISTObjectIdentifiers;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.cms.CMSException;
import org.bouncycastle.crypto.InvalidCipherTextException;
import org.bouncycastle.crypto.engines.AESEngine;
import org.bouncycastle.crypto.engines.RFC3394WrapEngine;
import org.bouncycastle.crypto.params.KeyParameter;
import org.bouncycastle.util.Pack;
import org.smimed.daemon.token.TokenErrors;
import org.smimed.daemon.token.TokenException;

/**
 * What every key-agreement recipient (ECDH, {@link EcdhKeyAgreement}; X25519,
 * {@link X25519KeyAgreement}) does around its own derivation and KDF: the shared secret Z from
 * the token, the scheme's KDF over Z and the DER ECC-CMS-SharedInfo, then AES key unwrap
 * (RFC 3394) of the content-encryption key with the derived key-encryption key. Kept in one
 * place so that the masking below cannot drift apart between the two schemes.
 *
 * <p>Security guarantee: every failure (a token error, an all-zero Z, a failed key unwrap, a key
 * of the wrong length) is refused here, before any content is read, so the next recipient of
 * the message may try; Z and the key-encryption key are wiped whatever happens.
 *
 * <p>Why refusing tells an attacker nothing (unlike RSA, whose failures are masked, see
 * {@link ImplicitRejection}): the sender of an ephemeral-static agreement knows Z, so whether
 * the unwrap works is already his to compute; one who does not know Z sees a key unwrap, a
 * keyed integrity check over a KDF of Z, fail, as it would for any guess. The originator's
 * point is validated before the token sees it. Going on with a random key instead let wrong
 * mail "decrypt" to noise once in 256 CBC messages, and ended the search before another of
 * the daemon's keys, named further on in the same message, could try (a hostile-input
 * trial).
 */
final class KeyUnwrap {
    private static final Map<ASN1ObjectIdentifier, Integer> WRAP_KEY_BYTES = Map.of(
            NISTObjectIdentifiers.id_aes128_wrap, 16,
            NISTObjectIdentifiers.id_aes192_wrap, 24,
            NISTObjectIdentifiers.id_aes256_wrap, 32);

    private KeyUnwrap() {
    }

    /** The AES key wrap a KeyAgreeRecipientInfo names, and the size of its key in bytes. */
    record Wrap(AlgorithmIdentifier algorithm, int kekBytes) {
    }

    /** The token's half of the agreement: the shared secret Z (wiped by {@link #recover}). */
    @FunctionalInterface
    interface SharedSecret {
        byte[] derive() throws GeneralSecurityException, TokenException;
    }

    /** The scheme's KDF: fills {@code kek} from Z and the DER ECC-CMS-SharedInfo. */
    @FunctionalInterface
    interface Kdf {
        void derive(byte[] z, byte[] sharedInfo, byte[] kek);
    }

    /** The key wrap in {@code keyAlgorithm}'s parameters; refuses anything but AES key wrap. */
    static Wrap wrap(AlgorithmIdentifier keyAlgorithm) throws CMSException {
        if (keyAlgorithm.getParameters() == null) {
            // RFC 5753 and RFC 8418 require it; without it the log said NullPointerException
            // (an interop trial).
            throw new CMSException("key agreement " + keyAlgorithm.getAlgorithm()
                    + " names no key-wrap algorithm (its parameters are absent)");
        }
        AlgorithmIdentifier wrap;
        try {
            wrap = AlgorithmIdentifier.getInstance(keyAlgorithm.getParameters());
        } catch (IllegalArgumentException e) {
            throw new CMSException("key agreement " + keyAlgorithm.getAlgorithm()
                    + ": its parameters are not a key-wrap algorithm identifier", e);
        }
        Integer kekBytes = WRAP_KEY_BYTES.get(wrap.getAlgorithm());
        if (kekBytes == null) {
            throw new CMSException("unsupported key wrap " + wrap.getAlgorithm());
        }
        return new Wrap(wrap, kekBytes);
    }

    /**
     * The content-encryption key {@code encryptedKey} wraps under the key {@code kdf} derives
     * from {@code secret}; a token that is gone is thrown as {@link TokenUnavailableSignal},
     * any other failure as a {@link CMSException} that says which step failed.
     */
    static Key recover(Wrap wrap, ASN1OctetString ukm, byte[] encryptedKey, ContentCipher cipher,
                       SharedSecret secret, Kdf kdf) throws CMSException {
        byte[] z;
        try {
            z = secret.derive();
        } catch (GeneralSecurityException | TokenException | RuntimeException e) {
            if (TokenErrors.isTokenGone(e)) {
                throw new TokenUnavailableSignal(e);
            }
            throw new CMSException("the token refused the key agreement", e);
        }
        byte[] kek = new byte[wrap.kekBytes()];
        try {
            if (allZero(z)) {
                // RFC 7748 section 6.1: the sender's point had low order, so Z, the KEK and the
                // content key are known to anyone. SoftHSM2 refuses such a derivation already
                // (OpenSSL checks); a token that returns the zeros is refused here.
                throw new CMSException("all-zero shared secret (the sender's point has low"
                        + " order)");
            }
            byte[] sharedInfo = new ECCCMSSharedInfo(wrap.algorithm(),
                    ukm == null ? null : ukm.getOctets(),
                    Pack.intToBigEndian(wrap.kekBytes() * 8)).getEncoded(ASN1Encoding.DER);
            kdf.derive(z, sharedInfo, kek);
            return unwrap(kek, encryptedKey, cipher);
        } catch (InvalidCipherTextException e) {
            throw new CMSException("key unwrap failed: the key was not wrapped for this key", e);
        } catch (IOException | RuntimeException e) {
            throw new CMSException("key unwrap failed: " + e.getClass().getSimpleName(), e);
        } finally {
            Arrays.fill(z, (byte) 0);
            Arrays.fill(kek, (byte) 0);
        }
    }

    /** Whether every byte of {@code z} is zero, in time that does not depend on where. */
    static boolean allZero(byte[] z) {
        int any = 0;
        for (byte b : z) {
            any |= b;
        }
        return any == 0;
    }

    /** AES key unwrap of a key the size {@code cipher} takes. */
    private static SecretKeySpec unwrap(byte[] kek, byte[] encryptedKey, ContentCipher cipher)
            throws InvalidCipherTextException, CMSException {
        RFC3394WrapEngine unwrap = new RFC3394WrapEngine(AESEngine.newInstance());
        unwrap.init(false, new KeyParameter(kek));
        byte[] cek = unwrap.unwrap(encryptedKey, 0, encryptedKey.length);
        try {
            if (cek.length != cipher.keyBytes()) {
                throw new CMSException("unwrapped key of " + cek.length + " bytes for " + cipher
                        + ", which takes " + cipher.keyBytes());
            }
            return new SecretKeySpec(cek, cipher.keyAlgorithm());
        } finally {
            Arrays.fill(cek, (byte) 0);
        }
    }
}
