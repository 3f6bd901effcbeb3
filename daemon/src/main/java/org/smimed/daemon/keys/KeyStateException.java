package org.smimed.daemon.keys;

/**
 * The key version is not in a state that allows the operation; the message says which state it is
 * in and what to do first. Messages carry no secret.
 */
public final class KeyStateException extends Exception {
    public KeyStateException(String message) {
        super(message);
    }

    public KeyStateException(String message, Throwable cause) {
        super(message, cause);
    }
}
