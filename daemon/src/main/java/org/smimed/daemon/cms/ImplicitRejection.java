package org.smimed.daemon.cms;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.smimed.daemon.token.TokenErrors;
import org.smimed.daemon.token.TokenMechanism;
import org.smimed.daemon.token.TokenMeter;

/**
 * The substitute content-encryption key an RSA key transport goes on with when its encoding
 * is broken (RFC 3218 section 2.3.2), derived rather than random: HMAC-SHA256 of the encrypted
 * key under a secret that only the private key yields.
 *
 * <p>Why derived: with a random substitute, sending the same broken ciphertext again gives a
 * different key each time, so an AES-CBC message sometimes "decrypts" (its padding happens to
 * be valid), while a well-formed encoding of a wrong key fails the same way every time —
 * repeating a ciphertext told an attacker whether its padding was valid. A derived substitute
 * answers one ciphertext the same way on every call, and on every replica of the same key,
 * as OpenSSL's implicit rejection does (draft-irtf-cfrg-rsa-guidance).
 *
 * <p>Why the scheme and length are in the derivation: one key decrypts both PKCS#1 v1.5 and
 * OAEP key transport, and a caller chooses the label. Derived from the ciphertext alone, the
 * same ciphertext sent as OAEP (whose check it fails: the substitute) and as PKCS#1 v1.5 gave
 * the same content key exactly when its PKCS#1 padding was broken, and the plaintext a stream
 * releases before its content check told the two apart: a Bleichenbacher oracle at two calls
 * per query (found by a security review). Each scheme, with its parameters, and each content
 * key length now has substitutes of its own, so an answer under one says nothing of another.
 *
 * <p>The secret is SHA-256 of the raw RSA private operation on a fixed value, computed in the
 * token once per key and process; it never leaves this class.
 */
final class ImplicitRejection {
    private static final byte[] LABEL = "smimed RSA implicit rejection v1"
            .getBytes(StandardCharsets.US_ASCII);

    private final Provider tokenProvider;
    private final SecureRandom random;
    private final TokenMeter meter;
    /** Weak keys: a key handle dropped after a token heal takes its secret with it. */
    private final Map<PrivateKey, byte[]> secrets =
            Collections.synchronizedMap(new WeakHashMap<>());

    ImplicitRejection(Provider tokenProvider, SecureRandom random, TokenMeter meter) {
        this.tokenProvider = tokenProvider;
        this.random = random;
        this.meter = meter;
    }

    /**
     * The {@code length}-byte substitute for {@code encryptedKey} under {@code key}, whose
     * modulus is {@code modulusBytes} long, decoded as {@code scheme}: the padding scheme with
     * every parameter its decoding depends on, spelled the same way each time. A random one
     * only if the token cannot make the secret (other than by going away, which is thrown as
     * {@link TokenUnavailableSignal}).
     */
    byte[] substitute(PrivateKey key, int modulusBytes, byte[] encryptedKey, int length,
                      String scheme) {
        byte[] secret = secret(key, modulusBytes);
        if (secret == null) {
            byte[] substitute = new byte[length];
            random.nextBytes(substitute);
            return substitute;
        }
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            byte[] out = new byte[length];
            byte[] context = scheme.getBytes(StandardCharsets.UTF_8);
            // HMAC in counter mode, so a key longer than one HMAC output is still defined;
            // the context is length-prefixed, so no scheme's bytes run into the ciphertext.
            for (int offset = 0, block = 1; offset < length; offset += 32, block++) {
                mac.update(java.nio.ByteBuffer.allocate(8).putInt(context.length)
                        .putInt(length).array());
                mac.update(context);
                mac.update(encryptedKey);
                mac.update((byte) block);
                byte[] t = mac.doFinal();
                System.arraycopy(t, 0, out, offset, Math.min(32, length - offset));
            }
            return out;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }

    private byte[] secret(PrivateKey key, int modulusBytes) {
        byte[] known = secrets.get(key);
        if (known != null) {
            return known;
        }
        byte[] fixed = new byte[modulusBytes];
        fixed[modulusBytes - 1] = 2;
        byte[] raw;
        try {
            raw = meter.measure(TokenMechanism.RSA_X509_DECRYPT, () -> {
                Cipher rsa = Cipher.getInstance("RSA/ECB/NoPadding", tokenProvider);
                rsa.init(Cipher.DECRYPT_MODE, key);
                return rsa.doFinal(fixed);
            });
        } catch (GeneralSecurityException | RuntimeException e) {
            if (TokenErrors.isTokenGone(e)) {
                throw new TokenUnavailableSignal(e);
            }
            return null;
        }
        try {
            MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
            sha256.update(LABEL);
            byte[] secret = sha256.digest(raw);
            secrets.put(key, secret);
            return secret;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        } finally {
            Arrays.fill(raw, (byte) 0);
        }
    }
}
