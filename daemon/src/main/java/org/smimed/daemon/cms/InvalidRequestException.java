package org.smimed.daemon.cms;

/** The request cannot be carried out as asked; the message says what to change. */
public final class InvalidRequestException extends Exception {
    public InvalidRequestException(String message) {
        super(message);
    }
}
