package org.smimed.daemon.token;

/**
 * A token operation failed. {@link Kind} tells callers what a client may do about it; the
 * message is for the operator's log and never carries a PIN or key material.
 */
public final class TokenException extends Exception {

    /** Why the token could not do what was asked. */
    public enum Kind {
        /** No token with the configured label is present in the library's slots. */
        TOKEN_NOT_FOUND,
        /** The PIN was rejected or could not be read. */
        LOGIN_FAILED,
        /** The token is present but not usable right now (logged out, device error, …). */
        UNAVAILABLE,
        /** The token refused the request itself (bad template, unsupported mechanism, …). */
        REJECTED
    }

    private final Kind kind;

    public TokenException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public TokenException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
