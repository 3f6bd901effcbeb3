package org.smimed.daemon.token;

/** What a probe found the token able to do. */
public enum TokenCondition {
    /** Logged in, and the keys are there. */
    USABLE,
    /** The library answers but the session is not logged in (someone logged the token out). */
    LOGGED_OUT,
    /** Logged in, but no private key is visible (objects deleted, token directory unreadable). */
    KEYS_MISSING,
    /** The library or the token does not answer at all. */
    UNREACHABLE;

    public boolean usable() {
        return this == USABLE;
    }
}
