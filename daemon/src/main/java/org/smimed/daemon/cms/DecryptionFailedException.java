package org.smimed.daemon.cms;

/**
 * Decryption failed. Every cause (garbage, truncation, tampering, no matching recipient, wrong
 * key, bad padding, bad tag) gives the same public message, so the error cannot serve as an
 * oracle. {@link #detail()} is for the daemon's own log only. One cause is also told apart,
 * {@link #noMatchingRecipient()}: it is decided from the RecipientInfos' identifiers alone,
 * public data, never from the result of a private-key operation, so it reveals nothing of a
 * key or plaintext, and a caller can tell "not addressed to me" from a broken message.
 */
public final class DecryptionFailedException extends Exception {
    /** The only message a client ever sees. */
    public static final String MESSAGE = "decryption failed";

    private final String detail;
    private final boolean noMatchingRecipient;

    public DecryptionFailedException(String detail) {
        this(detail, false);
    }

    private DecryptionFailedException(String detail, boolean noMatchingRecipient) {
        super(MESSAGE);
        this.detail = detail;
        this.noMatchingRecipient = noMatchingRecipient;
    }

    /** No RecipientInfo names a key the caller may decrypt with. */
    static DecryptionFailedException noRecipient(String detail) {
        return new DecryptionFailedException(detail, true);
    }

    /** Whether no RecipientInfo named a key the caller may decrypt with. */
    public boolean noMatchingRecipient() {
        return noMatchingRecipient;
    }

    /** Why, for the operator's log; never sent to a client. */
    public String detail() {
        return detail;
    }
}
