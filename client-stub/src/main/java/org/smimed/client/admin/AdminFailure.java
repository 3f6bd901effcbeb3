package org.smimed.client.admin;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.smimed.client.SmimeClientException;
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
    return of(e, false);
  }

  /** As {@link #of(StatusRuntimeException)}, knowing whether the call went without TLS. */
  static AdminFailure of(StatusRuntimeException e, boolean plaintext) {
    String d = StatusDetail.of(e.getStatus());
    // The client listener answers every officer call so: the usual cause is --target naming
    // the daemon's client port (found by an outside trial).
    String hint = e.getStatus().getCode() == Status.Code.UNIMPLEMENTED
        && d.contains("smimed.v1.KeyAdminService")
        ? "; is --target the daemon's admin port (admin.listen)? key administration is not"
            + " served on the client port"
        // Nothing listens there: the admin listener is off unless configured (found by a CLI
        // review: gRPC's "finishConnect(..) failed" said nothing of it).
        : e.getStatus().getCode() == Status.Code.UNAVAILABLE
        && d.toLowerCase(java.util.Locale.ROOT).contains("connection refused")
        ? "; nothing listens at --target (or SMIMECTL_TARGET): the daemon serves key"
            + " administration only when its config has an admin section (admin.listen,"
            + " port 8444 by default)" : "";
    // The daemon's log and audit record name the call by this id: what an officer hands the
    // operator or auditor (smime's failures carry it too).
    String id = new SmimeClientException(e.getStatus(), e.getTrailers()).requestId()
        .map(r -> "; request id " + r).orElse("");
    if (e.getStatus().getCode() == Status.Code.DEADLINE_EXCEEDED && id.isEmpty()) {
      // The client gave up, not the daemon: gRPC's own text names its internals, and the
      // change may still have been made (found by an officer trial).
      return new AdminFailure("no answer within --deadline (DEADLINE_EXCEEDED); if this was a"
          + " change, the daemon may still have made it: check with 'smimectl list' before"
          + " trying again, or give a longer --deadline");
    }
    String lower = d.toLowerCase(java.util.Locale.ROOT);
    if (e.getStatus().getCode() == Status.Code.UNAVAILABLE && id.isEmpty()
        && (lower.contains("network closed") || lower.contains("connection reset"))) {
      // The connection broke with the call under way (the daemon killed or restarted): the
      // daemon never answered, so a change may have been made (found by an officer trial).
      // A TLS listener closes a plaintext connection the same way (an operator trial).
      hint = plaintext ? "; the connection closed before the daemon answered: the daemon's"
          + " listeners speak TLS, drop --plaintext"
          : "; the connection broke before the daemon answered: if this was a change, it may"
          + " have been made: check with 'smimectl list' before trying again";
    }
    return new AdminFailure((d.isBlank() ? "call failed" : d)
        + " (" + e.getStatus().getCode() + id + ")" + hint);
  }
}
