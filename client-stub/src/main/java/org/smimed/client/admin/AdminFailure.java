package org.smimed.client.admin;

import io.grpc.StatusRuntimeException;
import org.smimed.client.StatusDetail;

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
    String d = StatusDetail.of(e.getStatus());
    return new AdminFailure((d.isBlank() ? "call failed" : d)
        + " (" + e.getStatus().getCode() + ")");
  }
}
