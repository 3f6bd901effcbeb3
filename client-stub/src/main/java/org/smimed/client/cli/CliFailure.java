package org.smimed.client.cli;

/**
 * An operation failed; the CLI prints "smime: " + message and exits 1.
 *
 * <p>Guarantee: the message is one line with no secret in it.
 */
final class CliFailure extends Exception {
  private static final long serialVersionUID = 1L;

  CliFailure(String message) {
    super(message);
  }

  CliFailure(String message, Throwable cause) {
    super(message, cause);
  }
}
