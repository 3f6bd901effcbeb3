package org.smimed.daemon.token;

/**
 * The private-key operations smimed asks of the token, named by the PKCS#11 mechanism family
 * that does the work, so that operators can compare the daemon's figures with the HSM vendor's
 * per-mechanism figures.
 */
public enum TokenMechanism {
    RSA_PKCS_SIGN("CKM_RSA_PKCS", "sign"),
    RSA_PSS_SIGN("CKM_RSA_PKCS_PSS", "sign"),
    ECDSA_SIGN("CKM_ECDSA", "sign"),
    EDDSA_SIGN("CKM_EDDSA", "sign"),
    /**
     * Raw RSA for both RSA key transports: PKCS#1 v1.5 and OAEP are decoded outside the token,
     * in constant time (cms.Pkcs1Decoding, cms.OaepDecoding), so that the token's answer never
     * depends on the padding.
     */
    RSA_X509_DECRYPT("CKM_RSA_X_509", "decrypt"),
    ECDH_DERIVE("CKM_ECDH1_DERIVE", "derive"),
    X25519_DERIVE("CKM_ECDH1_DERIVE_X25519", "derive");

    private final String mechanism;
    private final String operation;

    TokenMechanism(String mechanism, String operation) {
        this.mechanism = mechanism;
        this.operation = operation;
    }

    /** The PKCS#11 mechanism name, e.g. {@code CKM_ECDSA}. */
    public String mechanism() {
        return mechanism;
    }

    /** What the mechanism is used for: sign, decrypt or derive. */
    public String operation() {
        return operation;
    }
}
