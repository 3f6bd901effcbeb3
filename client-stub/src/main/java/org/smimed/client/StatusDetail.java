package org.smimed.client;

import io.grpc.Status;

/**
 * A gRPC status as one line for a person: its description, and for a failure of the
 * transport itself (which gRPC describes only as "io exception") what the transport said,
 * e.g. "io exception: Connection refused: localhost/127.0.0.1:8443", so that a wrong port,
 * a wrong host and a TLS failure read differently.
 */
public final class StatusDetail {
  private StatusDetail() {}

  /** The description (empty if none), then the transport's own message when there is one. */
  public static String of(Status status) {
    return of(status.getDescription() == null ? "" : status.getDescription(), status.getCause());
  }

  static String of(String description, Throwable cause) {
    if (cause == null) {
      return oneLine(description);
    }
    // The outermost message that says something: Netty's names the address it tried.
    while (cause.getMessage() == null && cause.getCause() != null) {
      cause = cause.getCause();
    }
    String why = cause.getMessage() == null ? cause.getClass().getSimpleName()
        : cause.getMessage();
    if (description.contains(why)) {
      return oneLine(description);
    }
    return oneLine(description.isEmpty() ? why : description + ": " + why);
  }

  private static String oneLine(String text) {
    return text.replaceAll("\\s+", " ").trim();
  }
}
