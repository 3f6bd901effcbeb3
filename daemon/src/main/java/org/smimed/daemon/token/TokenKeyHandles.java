package org.smimed.daemon.token;

import static sun.security.pkcs11.wrapper.PKCS11Constants.*;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.ProviderException;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import sun.security.pkcs11.wrapper.CK_ATTRIBUTE;
import sun.security.pkcs11.wrapper.PKCS11;
import sun.security.pkcs11.wrapper.PKCS11Exception;

/**
 * JCA handles for the token's private keys, for signing and decrypting through SunPKCS11.
 *
 * <p>Each {@link #load()} re-reads the key store ({@code KeyStore.load(null, null)} re-maps
 * labels without logging in again), so keys that got a certificate since start-up are found
 * and no handle from before an admin change is reused. Only keys with a certificate are listed
 * (a SunPKCS11 limit); keys without one are reached through {@link TokenContentSigner}.
 * Ed25519 and X25519 keys, which SunPKCS11 cannot represent, are found through PKCS#11 and
 * handed out as {@link TokenKeyReference}s keyed by their label.
 *
 * <p>Security guarantee: the values are token handles, never key material.
 */
public final class TokenKeyHandles {
    private final Pkcs11Token token;

    public TokenKeyHandles(Pkcs11Token token) {
        this.token = token;
    }

    /**
     * The private keys by key-store alias (the certificate's CKA_LABEL); skips odd ones. Reads
     * the key store again when a key or certificate it found vanished before it was read
     * (another daemon on the token replaced or destroyed it), as
     * {@link Pkcs11Token#inSessionAfresh} does for the wrapper's walks.
     */
    public Map<String, PrivateKey> load() throws TokenException {
        Map<String, PrivateKey> keys = new HashMap<>();
        for (int attempt = 1; ; attempt++) {
            try {
                keys.putAll(keyStoreKeys());
                break;
            } catch (StaleHandleException e) {
                if (attempt >= Pkcs11Token.STALE_HANDLE_ATTEMPTS) {
                    throw new TokenException(TokenException.Kind.UNAVAILABLE, "cannot read keys"
                            + " of token '" + token.label() + "': " + e.getMessage(), e);
                }
            }
        }
        keys.putAll(edwardsKeys());
        return keys;
    }

    /**
     * Whether {@code key}, an EC key that may sign, signs so that {@code certificate}'s public
     * key verifies. An EC private key object holds no public point to compare (PKCS#11), so a
     * key replaced outside smimed under the version's id and label is found only by a
     * signature (an operator trial replaced one; RSA keys are compared by modulus when the
     * token is read). True when the token will not sign with it here (no answer either way).
     */
    public boolean signsAs(PrivateKey key, X509Certificate certificate) throws TokenException {
        byte[] challenge = "smimed: is this the key of its certificate?"
                .getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        byte[] signature;
        try {
            Signature signer = Signature.getInstance("SHA256withECDSA", token.provider());
            signer.initSign(key);
            signer.update(challenge);
            signature = signer.sign();
        } catch (GeneralSecurityException | ProviderException e) {
            if (TokenErrors.isStaleHandle(e)) {
                throw new TokenException(TokenException.Kind.UNAVAILABLE, "cannot check key "
                        + "of " + certificate.getSubjectX500Principal() + ": " + e.getMessage(), e);
            }
            return true;
        }
        try {
            Signature verifier = Signature.getInstance("SHA256withECDSA");
            verifier.initVerify(certificate.getPublicKey());
            verifier.update(challenge);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    /** A key-store read met an object destroyed after it was found. */
    private static final class StaleHandleException extends Exception {
        StaleHandleException(Throwable cause) {
            super(cause.getMessage(), cause);
        }
    }

    private Map<String, PrivateKey> keyStoreKeys() throws TokenException, StaleHandleException {
        KeyStore store = token.keyStore();
        Map<String, PrivateKey> keys = new HashMap<>();
        synchronized (store) {
            try {
                store.load(null, null);
                for (String alias : Collections.list(store.aliases())) {
                    if (!store.isKeyEntry(alias)) {
                        continue;
                    }
                    try {
                        Key key = store.getKey(alias, null);
                        if (key instanceof PrivateKey privateKey) {
                            keys.put(alias, privateKey);
                        }
                    } catch (GeneralSecurityException | ProviderException e) {
                        if (TokenErrors.isStaleHandle(e)) {
                            throw new StaleHandleException(e);
                        }
                        // e.g. an Ed25519 key SunPKCS11 cannot represent; the inventory
                        // reports the version as unusable.
                    }
                }
            } catch (IOException | GeneralSecurityException | ProviderException e) {
                if (TokenErrors.isStaleHandle(e)) {
                    throw new StaleHandleException(e);
                }
                if (e instanceof ProviderException p) {
                    throw p;
                }
                throw new TokenException(TokenException.Kind.UNAVAILABLE,
                        "cannot read keys of token '" + token.label() + "': " + e.getMessage(), e);
            }
        }
        return keys;
    }

    /**
     * Ed25519 and X25519 private keys by CKA_LABEL, found with C_FindObjects because SunPKCS11
     * cannot represent them; used through {@link EdwardsOperations}.
     */
    private Map<String, PrivateKey> edwardsKeys() throws TokenException {
        EdwardsOperations operations = new EdwardsOperations(token);
        return token.inSessionAfresh((module, session) -> {
            Map<String, PrivateKey> found = new HashMap<>();
            for (long handle : Pkcs11Search.all(module, session, new CK_ATTRIBUTE[] {
                new CK_ATTRIBUTE(CKA_CLASS, CKO_PRIVATE_KEY),
                new CK_ATTRIBUTE(CKA_KEY_TYPE, EdwardsOperations.CKK_EC_EDWARDS)})) {
                String[] idLabel = TokenInventory.idAndLabel(module, session, handle);
                KeyAlgorithm algorithm = EdwardsOperations.algorithmOf(
                        ecParams(module, session, handle));
                if (algorithm == null) {
                    // SoftHSM2 leaves CKA_EC_PARAMS empty on generated Edwards private keys:
                    // the public key of the same CKA_ID names the curve.
                    for (long pub : Pkcs11Search.all(module, session, new CK_ATTRIBUTE[] {
                        new CK_ATTRIBUTE(CKA_CLASS, CKO_PUBLIC_KEY),
                        new CK_ATTRIBUTE(CKA_ID, KeyObjects.bytes(idLabel[0]))})) {
                        algorithm = EdwardsOperations.algorithmOf(ecParams(module, session, pub));
                    }
                }
                if (algorithm != null) {
                    found.put(idLabel[1], new TokenKeyReference(idLabel[0], algorithm,
                            operations));
                }
            }
            return found;
        });
    }

    private static byte[] ecParams(PKCS11 module, long session, long handle)
            throws PKCS11Exception {
        CK_ATTRIBUTE[] params = {new CK_ATTRIBUTE(CKA_EC_PARAMS)};
        module.C_GetAttributeValue(session, handle, params);
        return params[0].pValue instanceof byte[] value ? value : null; // empty: neither
    }
}
