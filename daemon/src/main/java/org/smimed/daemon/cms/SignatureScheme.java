package org.smimed.daemon.cms;

import org.smimed.daemon.token.KeyAlgorithm;
import org.smimed.daemon.token.TokenMechanism;

/** Signature schemes, each tied to the key family that can produce it. */
public enum SignatureScheme {
    /** RSASSA-PKCS1-v1_5 (RFC 8017). */
    RSA_PKCS1(KeyAlgorithm.Family.RSA, "RSA"),
    /** ECDSA (RFC 5753). */
    ECDSA(KeyAlgorithm.Family.EC, "ECDSA"),
    /**
     * RSASSA-PSS (RFC 4056): MGF1 with the signature's hash, salt as long as the hash, trailer
     * 1 — the parameters gpgsm and NSS accept (gpgsm rejects OpenSSL's maximum salt).
     */
    RSA_PSS(KeyAlgorithm.Family.RSA, "RSAandMGF1"),
    /** Pure Ed25519 (RFC 8419), made in the token with CKM_EDDSA; signed attributes use SHA-512. */
    ED25519(KeyAlgorithm.Family.EDDSA, "Ed25519");

    private final KeyAlgorithm.Family family;
    private final String jcaSuffix;

    SignatureScheme(KeyAlgorithm.Family family, String jcaSuffix) {
        this.family = family;
        this.jcaSuffix = jcaSuffix;
    }

    /** The token mechanism family that makes this kind of signature. */
    TokenMechanism mechanism() {
        return switch (this) {
            case RSA_PKCS1 -> TokenMechanism.RSA_PKCS_SIGN;
            case ECDSA -> TokenMechanism.ECDSA_SIGN;
            case RSA_PSS -> TokenMechanism.RSA_PSS_SIGN;
            case ED25519 -> TokenMechanism.EDDSA_SIGN;
        };
    }

    String jcaSuffix() {
        return jcaSuffix;
    }

    /** Whether a key of {@code algorithm} can make this kind of signature. */
    public boolean worksWith(KeyAlgorithm algorithm) {
        return algorithm.family() == family;
    }

    /** The scheme a key uses when the request does not ask for one. */
    static SignatureScheme defaultFor(KeyAlgorithm algorithm) {
        return switch (algorithm.family()) {
            case RSA -> RSA_PKCS1;
            case EDDSA -> ED25519;
            default -> ECDSA;
        };
    }
}
