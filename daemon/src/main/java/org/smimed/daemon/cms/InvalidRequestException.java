package org.smimed.daemon.cms;

/** The request cannot be carried out as asked; the message says what to change. */
public final class InvalidRequestException extends Exception {
    public InvalidRequestException(String message) {
        super(message);
    }

    /**
     * {@code input} ("message", "content") is larger than limits.maxMessageBytes: one message
     * whether the bytes received or a length the message declares tell it.
     */
    public static InvalidRequestException overMaxMessageBytes(String input, long maxBytes) {
        return new InvalidRequestException(input + " is larger than the limit of " + maxBytes
                + " bytes (limits.maxMessageBytes)");
    }
}
