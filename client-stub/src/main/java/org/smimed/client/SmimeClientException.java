package org.smimed.client;

import io.grpc.Metadata;
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

  /** The header (or trailer) in which the daemon names each call. */
  static final Metadata.Key<String> REQUEST_ID =
      Metadata.Key.of("x-request-id", Metadata.ASCII_STRING_MARSHALLER);

  private final Status.Code code;
  private final String description;
  private final String requestId;

  public SmimeClientException(Status status) {
    this(status, null);
  }

  /** A failure with the trailers it came with, which carry the daemon's request id. */
  public SmimeClientException(Status status, Metadata trailers) {
    super(status.getCode()
        + (status.getDescription() == null ? "" : ": " + status.getDescription()),
        status.getCause());
    this.code = status.getCode();
    this.description = status.getDescription() == null ? "" : status.getDescription();
    this.requestId = trailers == null ? null : trailers.get(REQUEST_ID);
  }

  static SmimeClientException from(Throwable t) {
    if (t instanceof StatusRuntimeException e) {
      return new SmimeClientException(e.getStatus(), e.getTrailers());
    }
    if (t instanceof StatusException e) {
      return new SmimeClientException(e.getStatus(), e.getTrailers());
    }
    return new SmimeClientException(Status.fromThrowable(t), Status.trailersFromThrowable(t));
  }

  /**
   * The daemon's id for the failed call, as its log and audit record name it: what to give
   * an operator. Empty when the call never reached the daemon (or the failure was found on
   * this side).
   */
  public java.util.Optional<String> requestId() {
    return java.util.Optional.ofNullable(requestId);
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
