package org.smimed.daemon.keys;

/** The identity exists but none of its key versions may do what was asked right now. */
public final class NoUsableKeyException extends Exception {
    public NoUsableKeyException(String message) {
        super(message);
    }
}
