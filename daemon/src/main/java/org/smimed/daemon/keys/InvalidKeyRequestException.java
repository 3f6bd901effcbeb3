package org.smimed.daemon.keys;

/**
 * The officer's request is malformed or its input (certificate, PKCS#12, fingerprint) is
 * unacceptable; the message names what is wrong. Messages carry no secret.
 */
public final class InvalidKeyRequestException extends Exception {
    public InvalidKeyRequestException(String message) {
        super(message);
    }

    public InvalidKeyRequestException(String message, Throwable cause) {
        super(message, cause);
    }
}
