package org.smimed.client;

import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;

/**
 * A call to the daemon failed.
 *
 * <p>Guarantee: {@link #code()} is the gRPC status code the daemon (or the transport) reported
 * and {@link #description()} its description, unchanged; the message reads "CODE: description".
 */
public final class SmimeClientException extends Exception {
  private static final long serialVersionUID = 1L;

  private final Status.Code code;
  private final String description;

  public SmimeClientException(Status status) {
    super(status.getCode() + (status.getDescription() == null ? "" : ": " + status.getDescription()),
        status.getCause());
    this.code = status.getCode();
    this.description = status.getDescription() == null ? "" : status.getDescription();
  }

  static SmimeClientException from(Throwable t) {
    if (t instanceof StatusRuntimeException e) {
      return new SmimeClientException(e.getStatus());
    }
    if (t instanceof StatusException e) {
      return new SmimeClientException(e.getStatus());
    }
    return new SmimeClientException(Status.fromThrowable(t));
  }

  public Status.Code code() {
    return code;
  }

  /** The status description, or "" when there was none. */
  public String description() {
    return description;
  }

  /**
   * The description for a person: with what the transport said when the call never reached
   * the daemon (see {@link StatusDetail}).
   */
  public String detail() {
    return StatusDetail.of(description, getCause());
  }
}
