package org.smimed.daemon.keys;

/** No key version with the given name exists on the token. Messages carry no secret. */
public final class UnknownKeyVersionException extends Exception {
    public UnknownKeyVersionException(String message) {
        super(message);
    }

    public UnknownKeyVersionException(String message, Throwable cause) {
        super(message, cause);
    }
}
