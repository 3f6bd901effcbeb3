package org.smimed.daemon.cms;

import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.nist.NISTObjectIdentifiers;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.smimed.daemon.token.KeyAlgorithm;

/** Hash functions for signatures and client-computed digests. */
public enum DigestAlgorithm {
    SHA256(NISTObjectIdentifiers.id_sha256, "SHA256", 32, "sha-256"),
    SHA384(NISTObjectIdentifiers.id_sha384, "SHA384", 48, "sha-384"),
    SHA512(NISTObjectIdentifiers.id_sha512, "SHA512", 64, "sha-512");

    private final ASN1ObjectIdentifier oid;
    private final String jcaPrefix;
    private final int length;
    private final String micalg;

    DigestAlgorithm(ASN1ObjectIdentifier oid, String jcaPrefix, int length, String micalg) {
        this.oid = oid;
        this.jcaPrefix = jcaPrefix;
        this.length = length;
        this.micalg = micalg;
    }

    /**
     * The hash that matches a key's strength (RFC 5753 for the curves; Ed25519 over SHA-512,
     * RFC 8419): what Sign uses when the request names none.
     */
    public static DigestAlgorithm forKey(KeyAlgorithm algorithm) {
        return switch (algorithm) {
            case EC_P384 -> SHA384;
            case EC_P521, ED25519 -> SHA512;
            default -> SHA256;
        };
    }

    /** The AlgorithmIdentifier as CMS writes it (parameters absent, RFC 5754). */
    public AlgorithmIdentifier identifier() {
        return new AlgorithmIdentifier(oid);
    }

    /** Digest length in bytes. */
    public int length() {
        return length;
    }

    /** The multipart/signed micalg value (RFC 8551 section 3.5.3.2). */
    public String micalg() {
        return micalg;
    }

    /** The JCA name of the hash itself, e.g. "SHA-256" (for PSS and MGF1 parameters). */
    String jcaHashName() {
        return jcaPrefix.replace("SHA", "SHA-");
    }

    /** The JCA signature algorithm name for this hash with {@code scheme}. */
    String jcaSignatureName(SignatureScheme scheme) {
        return jcaPrefix + "with" + scheme.jcaSuffix();
    }
}
