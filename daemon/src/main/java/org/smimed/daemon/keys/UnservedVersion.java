package org.smimed.daemon.keys;

/**
 * A version the token holds but smimed does not serve, and why, in a caller's terms: a
 * service that signs or decrypts as its identity is told this rather than "unknown identity"
 * (a fault trial's caller was told the identity did not exist when its key was only damaged).
 *
 * @param name   the version's name ({@code identity/vN})
 * @param reason completes "{@code name} ...", for example "'s private key is missing from the
 *               token"
 */
public record UnservedVersion(String name, String reason) {
    static final String KEY_MISSING = "'s private key is missing from the token";
    static final String RECORD_LOST = " is not served: its state record was lost";
    static final String NOTHING_BESIDE_KEY =
            " is not served: it has neither state record nor certificate on the token";
    static final String NO_HANDLE = " is not served: the key store has no key for it";

    /** What a caller is told, with where an officer looks. */
    String explained() {
        return name + reason + " (an officer sees it in smimectl token)";
    }
}
