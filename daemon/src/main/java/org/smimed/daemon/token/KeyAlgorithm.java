package org.smimed.daemon.token;

/** Key algorithms the daemon generates and uses in the token. */
public enum KeyAlgorithm {
    RSA_2048(Family.RSA, 2048, null),
    RSA_3072(Family.RSA, 3072, null),
    RSA_4096(Family.RSA, 4096, null),
    EC_P256(Family.EC, 256, "1.2.840.10045.3.1.7"),
    EC_P384(Family.EC, 384, "1.3.132.0.34"),
    EC_P521(Family.EC, 521, "1.3.132.0.35");

    /** What kind of mathematics the key does. */
    public enum Family { RSA, EC }

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

    /** The named curve's OID, for EC keys only. */
    public String curveOid() {
        if (family != Family.EC) {
            throw new IllegalStateException(this + " has no curve");
        }
        return curveOid;
    }

    /** The algorithm of an RSA key of {@code bits}, or of an EC key on {@code curveOid}. */
    public static KeyAlgorithm of(Family family, int bits, String curveOid) {
        for (KeyAlgorithm a : values()) {
            boolean same = a.family == family && (family == Family.RSA
                    ? a.bits == bits : a.curveOid.equals(curveOid));
            if (same) {
                return a;
            }
        }
        throw new IllegalArgumentException("unsupported key: " + family + " "
                + (family == Family.RSA ? bits + " bits" : "curve " + curveOid));
    }
}
