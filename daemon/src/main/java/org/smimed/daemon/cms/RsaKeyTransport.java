package org.smimed.daemon.cms;

import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.SecureRandom;
import javax.crypto.Cipher;
import javax.crypto.spec.SecretKeySpec;
import org.smimed.daemon.token.TokenErrors;
import org.smimed.daemon.token.TokenMechanism;
import org.smimed.daemon.token.TokenMeter;

/**
 * Recovers a content-encryption key sent with RSA PKCS#1 v1.5 key transport, decrypting in the
 * token.
 *
 * <p>Security guarantee (RFC 3218 section 2.3.2, the Million Message Attack countermeasure):
 * when the token reports bad padding, or the recovered key has the wrong length, decryption
 * goes on with a random key of the right length. The failure then surfaces exactly like a
 * wrong key or a tampered ciphertext — at content decryption — and not as a distinct error.
 */
final class RsaKeyTransport {
    private final Provider tokenProvider;
    private final SecureRandom random;
    private final TokenMeter meter;
    /**
     * One cipher per thread, re-initialized for each key: Cipher.getInstance parses the
     * transformation and looks up the service on every call (2–3% of a Decrypt profile's Java
     * samples). A cipher that failed is dropped, so a token that went away and came back is
     * never reached through a cipher made before.
     */
    private final ThreadLocal<Cipher> ciphers = new ThreadLocal<>();

    RsaKeyTransport(Provider tokenProvider, SecureRandom random, TokenMeter meter) {
        this.tokenProvider = tokenProvider;
        this.random = random;
        this.meter = meter;
    }

    Key recover(PrivateKey key, ContentCipher cipher, byte[] encryptedKey) {
        byte[] substitute = new byte[cipher.keyBytes()];
        random.nextBytes(substitute);
        byte[] recovered;
        try {
            recovered = meter.measure(TokenMechanism.RSA_PKCS_DECRYPT, () -> {
                Cipher rsa = cipher();
                rsa.init(Cipher.DECRYPT_MODE, key);
                return rsa.doFinal(encryptedKey);
            });
        } catch (GeneralSecurityException | RuntimeException e) {
            ciphers.remove();
            if (TokenErrors.isTokenGone(e)) {
                // Not the sender's doing: the session or token is gone. Let it show. Anything
                // else, CKR_GENERAL_ERROR included, may be bad padding and must look the same.
                throw new TokenUnavailableSignal(e);
            }
            recovered = substitute;
        }
        byte[] chosen = recovered.length == cipher.keyBytes() ? recovered : substitute;
        return new SecretKeySpec(chosen, cipher.keyAlgorithm());
    }

    private Cipher cipher() throws GeneralSecurityException {
        Cipher rsa = ciphers.get();
        if (rsa == null) {
            rsa = Cipher.getInstance("RSA/ECB/PKCS1Padding", tokenProvider);
            ciphers.set(rsa);
        }
        return rsa;
    }
}
