package org.smimed.daemon.token;

import java.security.PrivateKey;

/**
 * A token private key that SunPKCS11 cannot represent (Ed25519, X25519), named by its CKA_ID so
 * that {@link EdwardsOperations} can use it through PKCS#11.
 *
 * <p>Security guarantee: holds no key material; {@link #getEncoded()} is always null.
 */
public final class TokenKeyReference implements PrivateKey {
    private static final long serialVersionUID = 1L;

    private final String keyId;
    private final KeyAlgorithm algorithm;
    private final transient EdwardsOperations operations;

    TokenKeyReference(String keyId, KeyAlgorithm algorithm, EdwardsOperations operations) {
        this.keyId = keyId;
        this.algorithm = algorithm;
        this.operations = operations;
    }

    /** The Ed25519 signature of {@code message}, made in the token. */
    public byte[] sign(byte[] message) throws TokenException {
        return operations.sign(this, message);
    }

    /** The X25519 shared secret with {@code peerPublic}, derived in the token; wipe it. */
    public byte[] agree(byte[] peerPublic) throws TokenException {
        return operations.agree(this, peerPublic);
    }

    /** The key's CKA_ID, lower-case hex. */
    public String keyId() {
        return keyId;
    }

    public KeyAlgorithm algorithm() {
        return algorithm;
    }

    @Override
    public String getAlgorithm() {
        return algorithm == KeyAlgorithm.ED25519 ? "Ed25519" : "X25519";
    }

    @Override
    public String getFormat() {
        return null;
    }

    @Override
    public byte[] getEncoded() {
        return null;
    }

    @Override
    public String toString() {
        return "TokenKeyReference[" + algorithm + ", " + keyId + "]";
    }
}
