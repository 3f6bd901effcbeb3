package org.smimed.client;

import java.util.List;
import java.util.Map;

/**
 * The gRPC service config every smimed channel uses: round-robin over all resolved daemons,
 * a deadline on every call (30 s; 300 s for the streams, Decrypt and SignStream), and retries of
 * calls that failed with UNAVAILABLE (a daemon gone or its token briefly unusable) or UNKNOWN.
 * Every smimed RPC can be retried safely: signing and decrypting change no key or key state. A
 * retry does leave a second audit record, and a retried decryption that reached the daemon is
 * charged to the caller's decryptsPerMinute again.
 *
 * <p>UNKNOWN because a daemon that died between two calls fails the next call so when the
 * client writes to the closed connection before it has read the close: grpc-netty reports that
 * ClosedChannelException as UNKNOWN "channel closed", not UNAVAILABLE. The daemon itself never
 * answers UNKNOWN (its failures are mapped to the status that says what went wrong).
 */
final class ServiceConfig {
  private ServiceConfig() {}

  static Map<String, ?> forSmimed() {
    Map<String, Object> retry = Map.of(
        "maxAttempts", 4.0,
        "initialBackoff", "0.05s",
        "maxBackoff", "1s",
        "backoffMultiplier", 2.0,
        "retryableStatusCodes", List.of("UNAVAILABLE", "UNKNOWN"));
    Map<String, Object> calls = Map.of(
        "name", List.of(Map.of("service", "smimed.v1.SigningService"),
            Map.of("service", "smimed.v1.DirectoryService")),
        "timeout", "30s",
        "retryPolicy", retry);
    // A method's own entry overrides its service's: SignStream carries content of any size,
    // as Decrypt does, and 30 s cut a slow 256 MiB stream the daemon allows for 300 s
    // (limits.maxDecryptSeconds; found by a client-developer trial).
    Map<String, Object> streams = Map.of(
        "name", List.of(Map.of("service", "smimed.v1.DecryptionService"),
            Map.of("service", "smimed.v1.SigningService", "method", "SignStream")),
        "timeout", "300s",
        "retryPolicy", retry);
    return Map.of(
        "loadBalancingConfig", List.of(Map.of("round_robin", Map.of())),
        "methodConfig", List.of(calls, streams));
  }
}
