package org.smimed.client.cli;

import org.smimed.client.HashAlgorithm;
import org.smimed.client.SignatureScheme;
import org.smimed.client.SmimeClient;
import org.smimed.client.SmimeClientException;
import org.smimed.client.mime.CmsDecryptor;
import org.smimed.client.mime.DaemonSteps;
import org.smimed.client.mime.ContentStreamSigner;
import org.smimed.client.mime.SignedDataSigner;
import org.smimed.client.mime.SmimeOperationException;

/**
 * Wires the MIME layer's private-key steps to the daemon.
 *
 * <p>Guarantee: a daemon error becomes one {@link SmimeOperationException} whose message names
 * the operation and the gRPC status code, e.g. "decryption failed (INVALID_ARGUMENT)".
 */
final class DaemonOperations {
  private DaemonOperations() {}

  static SignedDataSigner signer(SmimeClient client, String identity, SignatureScheme scheme) {
    return steps(client).signer(identity, scheme);
  }

  /** Signing with the content streamed to the daemon (SignStream), in bounded memory. */
  static ContentStreamSigner streamSigner(SmimeClient client, String identity,
      SignatureScheme scheme) {
    return steps(client).streamSigner(identity, scheme);
  }

  static CmsDecryptor decryptor(SmimeClient client, String identityOrNull) {
    return steps(client).decryptor(identityOrNull);
  }

  /** The library's steps, failing in the CLI's words (with its --target hints). */
  private static DaemonSteps steps(SmimeClient client) {
    return new DaemonSteps(client, DaemonOperations::failure);
  }

  /**
   * {@code chosen}, or when the user chose none the hash that follows {@code identity}'s key,
   * from the daemon's directory (one more call), as the daemon's own default does.
   */
  static HashAlgorithm hashFor(SmimeClient client, String identity, HashAlgorithm chosen)
      throws SmimeOperationException {
    if (chosen != null) {
      return chosen;
    }
    try {
      return client.getIdentity(identity).hash();
    } catch (SmimeClientException e) {
      throw failure("signing failed", e);
    }
  }

  /** One question to the daemon: what {@code identities} and {@code limits} ask. */
  @FunctionalInterface
  interface Query<T> {
    T ask(SmimeClient client) throws SmimeClientException;
  }

  /**
   * Asks the daemon {@code query} over a connection of its own; a refusal becomes one
   * {@link SmimeOperationException} starting with {@code what}.
   */
  static <T> T query(ConnectionOptions connection, CliIo io, String what, Query<T> query)
      throws CliFailure, SmimeOperationException, InterruptedException {
    try (var c = connection.open(io)) {
      return query.ask(c.client());
    } catch (SmimeClientException e) {
      throw failure(what, e);
    }
  }

  static SmimeOperationException failure(String what, SmimeClientException e) {
    String d = e.reason().filter(r -> r == org.smimed.api.v1.ErrorReason.NO_MATCHING_RECIPIENT)
        .map(r -> "the message is not addressed to a key you may decrypt with"
            + " (NO_MATCHING_RECIPIENT)").orElse(e.detail());
    // The daemon's own "decryption failed" adds nothing to ours.
    boolean redundant = d.isBlank() || what.equalsIgnoreCase(d);
    String detail = redundant ? e.code().toString() : e.code() + ": " + d.replaceAll("\\s+", " ");
    // The daemon's log says why under this id (e.g. whom undecryptable mail is addressed
    // to): what a script's user hands an operator (found by an outside trial).
    String id = e.requestId().map(r -> "; request id " + r).orElse("");
    if (e.code() == io.grpc.Status.Code.DEADLINE_EXCEEDED && id.isEmpty()) {
      // The client gave up, not the daemon: gRPC's own text names its internals (name
      // resolution delays, buffered streams) and not the option (a new-user trial).
      return new SmimeOperationException(what + " (no answer within --deadline,"
          + " DEADLINE_EXCEEDED); a large message takes as long as its bytes take to cross:"
          + " give a longer --deadline (seconds)", e);
    }
    // The admin listener answers every client call so: the usual cause is --target naming
    // the admin port, as smimectl's mirror-image hint says (found by a CLI review).
    String hint = e.code() == io.grpc.Status.Code.UNIMPLEMENTED
        && d.toLowerCase(java.util.Locale.ROOT).contains("method not found: smimed.v1.")
        ? "; is --target the daemon's admin port (admin.listen)? smime calls its client"
            + " port (listen); or the daemon is older than this client"
        // gRPC's "finishConnect(..) failed: Connection refused" names neither the option
        // nor the daemon (a new-user trial; smimectl says the same of its admin port).
        : e.code() == io.grpc.Status.Code.UNAVAILABLE
        && d.toLowerCase(java.util.Locale.ROOT).contains("connection refused")
        ? "; nothing listens at --target (or SMIME_TARGET): is the daemon running, and is"
            + " that its client port (listen.port, 8443 by default)?"
        // What a TLS listener does to a --plaintext client, and a daemon stopping mid-call:
        // gRPC's words name neither (an operator trial). The TLS listener closes or resets
        // the connection, which one depends on timing (smimectl checks both too).
        : e.code() == io.grpc.Status.Code.UNAVAILABLE
        && (d.toLowerCase(java.util.Locale.ROOT).contains("network closed")
            || d.toLowerCase(java.util.Locale.ROOT).contains("connection reset"))
        ? "; the connection closed before the daemon answered: with --plaintext, drop it (the"
            + " daemon's listeners speak TLS); otherwise the daemon stopped during the call"
        : "";
    return new SmimeOperationException(what + " (" + detail + id + ")" + hint, e);
  }
}
