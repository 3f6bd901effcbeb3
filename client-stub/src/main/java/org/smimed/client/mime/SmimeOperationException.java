package org.smimed.client.mime;

/**
 * An S/MIME operation failed: signing, encryption, decryption, parsing or verification.
 *
 * <p>Guarantee: the message is one line fit to show a user ("decryption failed
 * (INVALID_ARGUMENT)", "signature does not match the content"); it never contains key
 * material or plaintext.
 */
public final class SmimeOperationException extends Exception {
  private static final long serialVersionUID = 1L;

  public SmimeOperationException(String message) {
    super(message);
  }

  public SmimeOperationException(String message, Throwable cause) {
    super(message, cause);
  }
}
