package org.smimed.daemon.keys;

/** No key version in the token belongs to the identity asked for. */
public final class UnknownIdentityException extends Exception {
    public UnknownIdentityException(String identity) {
        super("unknown identity '" + identity + "'");
    }
}
