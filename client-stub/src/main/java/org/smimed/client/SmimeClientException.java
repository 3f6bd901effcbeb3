package org.smimed.client;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.rpc.ErrorInfo;
import com.google.rpc.RetryInfo;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Stream;
import org.smimed.api.v1.ErrorReason;

/**
 * A call to the daemon failed.
 *
 * <p>Guarantee: {@link #code()} is the gRPC status code the daemon (or the transport) reported
 * and {@link #description()} its description, unchanged; the message reads "CODE: description".
 * {@link #reason()} is the daemon's machine-readable reason, where it gave one.
 */
public final class SmimeClientException extends Exception {
  private static final long serialVersionUID = 1L;

  /** The header (or trailer) in which the daemon names each call. */
  static final Metadata.Key<String> REQUEST_ID =
      Metadata.Key.of("x-request-id", Metadata.ASCII_STRING_MARSHALLER);
  /** The ErrorInfo domain of the daemon's {@link ErrorReason}s (see the proto). */
  static final String ERROR_DOMAIN = "smimed.v1";

  private final Status.Code code;
  private final String description;
  private final String requestId;
  private final ErrorReason reason;
  private final Duration retryDelay;

  public SmimeClientException(Status status) {
    this(status, null);
  }

  /** A failure with the trailers it came with, which carry the daemon's request id. */
  public SmimeClientException(Status status, Metadata trailers) {
    super(message(status), status.getCause());
    this.code = status.getCode();
    this.description = status.getDescription() == null ? ""
        : StatusDetail.described(status.getDescription());
    this.requestId = trailers == null ? null : trailers.get(REQUEST_ID);
    this.reason = trailers == null ? null : reasonIn(status, trailers);
    this.retryDelay = trailers == null ? null : retryDelayIn(status, trailers);
  }

  /**
   * The code and description, and for a call that never reached the daemon what the transport
   * said: a client trial's logs of getMessage() read "UNAVAILABLE: io exception" where
   * {@link #detail()} said "Connection refused: localhost/127.0.0.1:9843".
   */
  private static String message(Status status) {
    String description = status.getDescription() == null ? ""
        : StatusDetail.described(status.getDescription());
    String said = status.getCause() == null ? description
        : StatusDetail.of(description, status.getCause());
    return status.getCode() + (said.isEmpty() ? "" : ": " + said);
  }

  /** The ErrorReason of a google.rpc.ErrorInfo of smimed's domain in the status details. */
  private static ErrorReason reasonIn(Status status, Metadata trailers) {
    return details(status, trailers, ErrorInfo.class)
        .filter(info -> info.getDomain().equals(ERROR_DOMAIN)).findFirst()
        .flatMap(info -> Arrays.stream(ErrorReason.values())
            .filter(r -> r != ErrorReason.UNRECOGNIZED && r.name().equals(info.getReason()))
            .findFirst()).orElse(null);
  }

  /** The delay of a google.rpc.RetryInfo in the status details, if the daemon gave one. */
  private static Duration retryDelayIn(Status status, Metadata trailers) {
    return details(status, trailers, RetryInfo.class).findFirst().map(RetryInfo::getRetryDelay)
        .map(delay -> Duration.ofSeconds(delay.getSeconds(), delay.getNanos())).orElse(null);
  }

  /**
   * The status details of type {@code type}; those that do not unpack, which the daemon did
   * not write as documented, are left out.
   */
  private static <T extends Message> Stream<T> details(Status status, Metadata trailers,
      Class<T> type) {
    com.google.rpc.Status details = StatusProto.fromStatusAndTrailers(status, trailers);
    if (details == null) {
      return Stream.empty();
    }
    return details.getDetailsList().stream().filter(detail -> detail.is(type))
        .flatMap(detail -> {
          try {
            return Stream.of(detail.unpack(type));
          } catch (InvalidProtocolBufferException e) {
            return Stream.empty();
          }
        });
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

  /**
   * Why the daemon refused the call, where it said so in a form to act on (see ErrorReason in
   * the proto); empty for most failures, which the code and description tell.
   */
  public Optional<ErrorReason> reason() {
    return Optional.ofNullable(reason);
  }

  /**
   * How long the daemon said to wait before retrying (a google.rpc.RetryInfo), where it knows:
   * a caller's decrypt budget tells when it frees; limits that free as other calls end do not.
   */
  public Optional<Duration> retryDelay() {
    return Optional.ofNullable(retryDelay);
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
