package org.smimed.daemon.keys;

/**
 * Where a key version is in its life (DESIGN.md, Key model):
 * PENDING -> ACTIVE -> DECRYPT_ONLY -> DISABLED -> DESTROYED. A key with a certificate but no
 * state record on the token (provisioned before key states existed) counts as ACTIVE.
 */
public enum KeyState {
    /** Key made, no certificate yet: neither signs nor decrypts. */
    PENDING,
    /** Signs and decrypts. */
    ACTIVE,
    /** A newer version is active; still decrypts old mail. */
    DECRYPT_ONLY,
    /** Does nothing. */
    DISABLED,
    /** Key and certificate removed from the token; only the state record remains. */
    DESTROYED;

    public boolean maySign() {
        return this == ACTIVE;
    }

    public boolean mayDecrypt() {
        return this == ACTIVE || this == DECRYPT_ONLY;
    }
}
