package org.smimed.daemon.cms;

/**
 * Decryption failed. Every cause (garbage, truncation, tampering, no matching recipient, wrong
 * key, bad padding, bad tag) gives the same public message, so the error cannot serve as an
 * oracle. {@link #detail()} is for the daemon's own log only.
 */
public final class DecryptionFailedException extends Exception {
    /** The only message a client ever sees. */
    public static final String MESSAGE = "decryption failed";

    private final String detail;

    public DecryptionFailedException(String detail) {
        super(MESSAGE);
        this.detail = detail;
    }

    /** Why, for the operator's log; never sent to a client. */
    public String detail() {
        return detail;
    }
}
