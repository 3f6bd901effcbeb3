package org.smimed.client;

import io.grpc.Status;
import javax.net.ssl.SSLHandshakeException;

/**
 * A gRPC status as one line for a person: its description, and for a failure of the
 * transport itself (which gRPC describes only as "io exception") what the transport said,
 * e.g. "io exception: Connection refused: localhost/127.0.0.1:8443", so that a wrong port,
 * a wrong host and a TLS failure read differently.
 */
public final class StatusDetail {
  /**
   * What a health-checked channel's failure means when no daemon of its target says SERVING.
   * The call never reached a daemon, so there is no reason of the daemon's to give.
   */
  static final String NONE_SERVING = "no daemon of the target is serving: each says"
      + " NOT_SERVING in its health (token unusable, audit log failed, or shutting down; each"
      + " daemon's log says which)";
  /** gRPC's words for that failure, all there is to tell it by (grpc-java's health LB). */
  private static final String GRPC_NOT_SERVING = "Health-check service responded NOT_SERVING";

  private StatusDetail() {}

  /** {@code description} in smimed's words where it is gRPC's own for a smimed case. */
  static String described(String description) {
    return description != null && description.contains(GRPC_NOT_SERVING) ? NONE_SERVING
        : description;
  }

  /** The description (empty if none), then the transport's own message when there is one. */
  public static String of(Status status) {
    return of(status.getDescription() == null ? "" : status.getDescription(), status.getCause());
  }

  static String of(String description, Throwable cause) {
    if (cause == null) {
      return oneLine(description);
    }
    String tls = tlsFailure(cause);
    if (tls != null) {
      return tls;
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

  /**
   * A failed TLS handshake in the words of its usual causes, or null if {@code cause} is not
   * one. Netty says only "General OpenSslEngine problem" and names its pipeline; the reason is
   * the certificate check beneath (found by an outside trial: a wrong --ca and a host name
   * not in the daemon's certificate, the two most common deployment mistakes, read alike).
   */
  private static String tlsFailure(Throwable cause) {
    boolean handshake = false;
    Throwable innermost = null;
    for (Throwable t = cause; t != null && t != t.getCause(); t = t.getCause()) {
      handshake |= t instanceof SSLHandshakeException;
      if (handshake && t.getMessage() != null) {
        innermost = t;
      }
    }
    if (!handshake) {
      return null;
    }
    String why = innermost == null ? "no reason given" : oneLine(innermost.getMessage());
    if (why.contains("unable to find valid certification path")
        || why.contains("PKIX path")) {
      return "TLS handshake failed: the daemon's certificate is not issued by a CA you trust"
          + " (the trusted CA, --ca, must be the one that issued the daemon's server"
          + " certificate)";
    }
    if (why.startsWith("No subject alternative") || why.startsWith("No name matching")) {
      return "TLS handshake failed: the daemon's certificate does not name the host in"
          + " --target (" + why + "); connect by a name or address the certificate lists";
    }
    return "TLS handshake failed: " + why;
  }

  private static String oneLine(String text) {
    return text.replaceAll("\\s+", " ").trim();
  }
}
