package org.smimed.daemon.cms;

import java.io.IOException;
import java.security.GeneralSecurityException;
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
 * <p>Security guarantee: once {@link #recover} runs, every failure (a token error other than
 * "token gone", an all-zero Z, a failed key unwrap, a key of the wrong length) continues with a
 * random key,
 * so it surfaces at content decryption like any other failure; Z and the key-encryption key
 * are wiped whatever happens.
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
     * from {@code secret}, or a random key of {@code cipher}'s size if any step fails; only a
     * token that is gone is thrown, as {@link TokenUnavailableSignal}.
     */
    static Key recover(Wrap wrap, ASN1OctetString ukm, byte[] encryptedKey, ContentCipher cipher,
                       SecureRandom random, SharedSecret secret, Kdf kdf) {
        byte[] substitute = new byte[cipher.keyBytes()];
        random.nextBytes(substitute);
        byte[] z = null;
        byte[] kek = new byte[wrap.kekBytes()];
        try {
            z = secret.derive();
            if (allZero(z)) {
                // RFC 7748 section 6.1: the sender's point had low order, so Z, the KEK and the
                // content key are known to anyone. SoftHSM2 refuses such a derivation already
                // (OpenSSL checks); a token that returns the zeros is refused here.
                throw new GeneralSecurityException("all-zero shared secret");
            }
            byte[] sharedInfo = new ECCCMSSharedInfo(wrap.algorithm(),
                    ukm == null ? null : ukm.getOctets(),
                    Pack.intToBigEndian(wrap.kekBytes() * 8)).getEncoded(ASN1Encoding.DER);
            kdf.derive(z, sharedInfo, kek);
            return unwrap(kek, encryptedKey, cipher, substitute);
        } catch (GeneralSecurityException | TokenException | InvalidCipherTextException
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

    /** Whether every byte of {@code z} is zero, in time that does not depend on where. */
    static boolean allZero(byte[] z) {
        int any = 0;
        for (byte b : z) {
            any |= b;
        }
        return any == 0;
    }

    /** AES key unwrap; a key of the wrong length is replaced by {@code substitute}. */
    private static SecretKeySpec unwrap(byte[] kek, byte[] encryptedKey, ContentCipher cipher,
                                        byte[] substitute) throws InvalidCipherTextException {
        RFC3394WrapEngine unwrap = new RFC3394WrapEngine(AESEngine.newInstance());
        unwrap.init(false, new KeyParameter(kek));
        byte[] cek = unwrap.unwrap(encryptedKey, 0, encryptedKey.length);
        return new SecretKeySpec(cek.length == cipher.keyBytes() ? cek : substitute,
                cipher.keyAlgorithm());
    }
}
