package org.smimed.client.admin;

import io.grpc.StatusRuntimeException;

/**
 * An officer operation failed; smimectl prints "smimectl: " + message and exits 1.
 *
 * <p>Guarantee: one line, no secret (never a password).
 */
final class AdminFailure extends Exception {
  private static final long serialVersionUID = 1L;

  AdminFailure(String message) {
    super(message);
  }

  /** The daemon's answer, e.g. "cannot destroy x/v1: it is ACTIVE ... (FAILED_PRECONDITION)". */
  static AdminFailure of(StatusRuntimeException e) {
    String d = e.getStatus().getDescription();
    return new AdminFailure((d == null || d.isBlank() ? "call failed" : d.replaceAll("\\s+", " "))
        + " (" + e.getStatus().getCode() + ")");
  }
}
