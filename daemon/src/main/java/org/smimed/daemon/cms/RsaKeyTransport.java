package org.smimed.daemon.cms;

import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.interfaces.RSAPublicKey;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.spec.SecretKeySpec;
import org.smimed.daemon.token.TokenErrors;
import org.smimed.daemon.token.TokenMechanism;
import org.smimed.daemon.token.TokenMeter;

/**
 * Recovers a content-encryption key sent with RSA PKCS#1 v1.5 key transport: raw RSA in the
 * token ({@code CKM_RSA_X_509}), the padding checked here ({@link Pkcs1Decoding}).
 *
 * <p>Security guarantees (RFC 3218 section 2.3.2, against Bleichenbacher's Million Message
 * Attack): the token's answer does not depend on the padding, so neither its error, its
 * timing nor the token operation metric tells a valid padding from a broken one (with
 * {@code CKM_RSA_PKCS} all three did); the padding is checked in constant time; a broken
 * padding or a key of the wrong length goes on with a substitute key derived from the
 * ciphertext ({@link ImplicitRejection}), so the failure surfaces at content decryption,
 * exactly like a wrong key or a tampered ciphertext, and the same way each time it is sent.
 */
final class RsaKeyTransport {
    /** Its substitutes' own domain ({@link ImplicitRejection}: apart from OAEP's). */
    private static final String SCHEME = "RSAES-PKCS1-v1_5";

    private final Provider tokenProvider;
    private final ImplicitRejection rejection;
    private final TokenMeter meter;
    /**
     * One cipher per thread, re-initialized for each key: Cipher.getInstance parses the
     * transformation and looks up the service on every call (2–3% of a Decrypt profile's Java
     * samples). A cipher that failed is dropped, so a token that went away and came back is
     * never reached through a cipher made before.
     */
    private final ThreadLocal<Cipher> ciphers = new ThreadLocal<>();

    RsaKeyTransport(Provider tokenProvider, ImplicitRejection rejection, TokenMeter meter) {
        this.tokenProvider = tokenProvider;
        this.rejection = rejection;
        this.meter = meter;
    }

    Key recover(PrivateKey key, RSAPublicKey publicKey, ContentCipher cipher,
                byte[] encryptedKey) {
        int k = (publicKey.getModulus().bitLength() + 7) / 8;
        // One form of the number for both the token and the substitute: derived from the
        // bytes as sent, a short ciphertext and its zero-padded twin got different
        // substitutes, so sending both told a valid padding from a broken one (found by a
        // review).
        byte[] ciphertext = modulusLength(encryptedKey, k);
        byte[] substitute = rejection.substitute(key, k, ciphertext, cipher.keyBytes(),
                SCHEME);
        byte[] encoded = new byte[k];
        try {
            byte[] raw = meter.measure(TokenMechanism.RSA_X509_DECRYPT, () -> {
                Cipher rsa = cipher();
                rsa.init(Cipher.DECRYPT_MODE, key);
                return rsa.doFinal(ciphertext);
            });
            // Right-align: a token may drop leading zero bytes, and a valid block starts
            // with one. Its value is checked in the decoding, in constant time.
            int length = Math.min(raw.length, k);
            System.arraycopy(raw, raw.length - length, encoded, k - length, length);
            if (raw.length > k) {
                encoded[0] = 1; // cannot be a valid block; fails inside the decoding
            }
            Arrays.fill(raw, (byte) 0);
        } catch (GeneralSecurityException | RuntimeException e) {
            ciphers.remove();
            if (TokenErrors.isTokenGone(e)) {
                // Not the sender's doing: the session or token is gone. Let it show. Anything
                // else (a ciphertext not below the modulus, public anyway) gets the substitute.
                throw new TokenUnavailableSignal(e);
            }
            encoded[0] = 1;
        }
        byte[] cek = Pkcs1Decoding.decodeOrSubstitute(encoded, substitute);
        Arrays.fill(encoded, (byte) 0);
        return new SecretKeySpec(cek, cipher.keyAlgorithm());
    }

    /**
     * The ciphertext as the k-byte string RFC 8017 (section 7.2.2 step 1) expects: some senders
     * drop its leading zero bytes, about one message in 256, which OpenSSL pads back and the
     * token refused (found by an interop trial). The value is the same integer, and its
     * length is public, so padding it tells nothing; a longer one is left to fail.
     */
    static byte[] modulusLength(byte[] ciphertext, int k) {
        if (ciphertext.length >= k || ciphertext.length == 0) {
            return ciphertext;
        }
        byte[] padded = new byte[k];
        System.arraycopy(ciphertext, 0, padded, k - ciphertext.length, ciphertext.length);
        return padded;
    }

    private Cipher cipher() throws GeneralSecurityException {
        Cipher rsa = ciphers.get();
        if (rsa == null) {
            rsa = Cipher.getInstance("RSA/ECB/NoPadding", tokenProvider);
            ciphers.set(rsa);
        }
        return rsa;
    }
}
