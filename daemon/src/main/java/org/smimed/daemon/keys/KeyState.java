package org.smimed.daemon.keys;

/**
 * Where a key version is in its life. The foundation only knows ACTIVE (every key in the token
 * with a certificate); the key-lifecycle work adds the others.
 */
public enum KeyState {
    /** Key made, no certificate yet: neither signs nor decrypts. */
    PENDING,
    /** Signs and decrypts. */
    ACTIVE,
    /** A newer version is active; still decrypts old mail. */
    DECRYPT_ONLY,
    /** Does nothing. */
    DISABLED;

    public boolean maySign() {
        return this == ACTIVE;
    }

    public boolean mayDecrypt() {
        return this == ACTIVE || this == DECRYPT_ONLY;
    }
}
