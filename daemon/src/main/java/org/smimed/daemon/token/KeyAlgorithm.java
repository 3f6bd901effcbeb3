package org.smimed.daemon.token;

/** Key algorithms the daemon generates and uses in the token. */
public enum KeyAlgorithm {
    RSA_2048(Family.RSA, 2048, null),
    RSA_3072(Family.RSA, 3072, null),
    RSA_4096(Family.RSA, 4096, null),
    EC_P256(Family.EC, 256, "1.2.840.10045.3.1.7"),
    EC_P384(Family.EC, 384, "1.3.132.0.34"),
    EC_P521(Family.EC, 521, "1.3.132.0.35"),
    /** Ed25519 (RFC 8032, RFC 8410): signs only. */
    ED25519(Family.EDDSA, 256, "1.3.101.112"),
    /** X25519 (RFC 7748, RFC 8410): key agreement only. */
    X25519(Family.XDH, 256, "1.3.101.110");

    /** What kind of mathematics the key does. */
    public enum Family { RSA, EC, EDDSA, XDH }

    private final Family family;
    private final int bits;
    private final String curveOid;

    KeyAlgorithm(Family family, int bits, String curveOid) {
        this.family = family;
        this.bits = bits;
        this.curveOid = curveOid;
    }

    public Family family() {
        return family;
    }

    public int bits() {
        return bits;
    }

    /**
     * The longest signature this key makes, in bytes: the modulus for RSA, a DER ECDSA-Sig-Value
     * whose two integers both take a leading zero for EC, 64 for Ed25519.
     */
    public int maxSignatureBytes() {
        int octets = (bits + 7) / 8;
        return switch (family) {
            case RSA -> octets;
            // SEQUENCE { INTEGER r, INTEGER s }: each up to octets + 1 with a 2- or 3-octet
            // header, the SEQUENCE's header at most 3.
            case EC -> 2 * (octets + 1 + 3) + 3;
            case EDDSA -> 64;
            case XDH -> throw new IllegalStateException(this + " cannot sign");
        };
    }

    /** The named curve's OID, for EC keys only. */
    public String curveOid() {
        if (family != Family.EC) {
            throw new IllegalStateException(this + " has no curve");
        }
        return curveOid;
    }

    /** The RFC 8410 algorithm OID of an Ed25519 or X25519 key. */
    public String edwardsOid() {
        if (family != Family.EDDSA && family != Family.XDH) {
            throw new IllegalStateException(this + " is not an RFC 8410 key");
        }
        return curveOid;
    }

    /**
     * The algorithm of an RSA key of {@code bits}, of an EC key on {@code curveOid}, or the one
     * Ed25519 or X25519 algorithm.
     */
    public static KeyAlgorithm of(Family family, int bits, String curveOid) {
        for (KeyAlgorithm a : values()) {
            boolean same = a.family == family && (family == Family.RSA ? a.bits == bits
                    : family != Family.EC || a.curveOid.equals(curveOid));
            if (same) {
                return a;
            }
        }
        throw new IllegalArgumentException("unsupported key: " + family + " "
                + (family == Family.RSA ? bits + " bits" : "curve " + curveOid));
    }
}
