package org.smimed.daemon.token;

/** What a private key in the token may be used for; only these PKCS#11 usages are set. */
public enum KeyUsage {
    SIGN(true, false),
    ENCRYPT(false, true),
    BOTH(true, true);

    private final boolean signs;
    private final boolean decrypts;

    KeyUsage(boolean signs, boolean decrypts) {
        this.signs = signs;
        this.decrypts = decrypts;
    }

    /**
     * The usage that signs and/or decrypts as given; neither counts as ENCRYPT, as a key or
     * certificate that allows no signing was always read (legacy keys, PKCS#12 imports).
     */
    public static KeyUsage of(boolean signs, boolean decrypts) {
        return signs && decrypts ? BOTH : signs ? SIGN : ENCRYPT;
    }

    /** Whether CKA_SIGN is set. */
    public boolean signs() {
        return signs;
    }

    /** Whether CKA_DECRYPT (RSA) or CKA_DERIVE (EC, X25519) is set; CKA_UNWRAP never is. */
    public boolean decrypts() {
        return decrypts;
    }

    /**
     * Whether a key of this usage and one of {@code other} do a job in common: an identity has
     * at most one ACTIVE version per job, so activating one retires those it overlaps, and a
     * signing key and a separate encryption key stay ACTIVE side by side.
     */
    public boolean overlaps(KeyUsage other) {
        return signs && other.signs || decrypts && other.decrypts;
    }
}
