package org.smimed.daemon.keys;

/**
 * A version the token holds but smimed does not serve, and why, in a caller's terms: a
 * service that signs or decrypts as its identity is told this rather than "unknown identity"
 * (a fault trial's caller was told the identity did not exist when its key was only damaged).
 *
 * @param name   the version's name ({@code identity/vN})
 * @param reason why it is not served
 */
public record UnservedVersion(String name, Reason reason) {
    /** Why a version the token holds is not served; each completes "{@code name} ...". */
    public enum Reason {
        KEY_MISSING("'s private key is missing from the token"),
        RECORD_LOST(" is not served: its state record was lost"),
        NOTHING_BESIDE_KEY(
                " is not served: it has neither state record nor certificate on the token"),
        NO_HANDLE(" is not served: the key store has no key for it");

        private final String text;

        Reason(String text) {
            this.text = text;
        }
    }

    /** What a caller is told, with where an officer looks. */
    String explained() {
        return name + reason.text + " (an officer sees it in smimectl token)";
    }
}
