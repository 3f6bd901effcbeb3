package org.smimed.daemon.policy;

/** The policy does not grant the caller this operation; the message is safe for the caller. */
public final class PermissionDeniedException extends Exception {
    public PermissionDeniedException(String message) {
        super(message);
    }
}
