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
 * <p>With health checks ({@link #forSmimed(boolean)}), each daemon's {@code grpc.health.v1}
 * status ({@code ""}, the server as a whole) is watched over each connection, and round-robin
 * sends calls only to daemons that say SERVING: a replica whose token is gone or whose audit log
 * failed (it refuses every call until restarted) or that is shutting down leaves the rotation
 * within a probe interval. Without them such a replica kept its share of the calls, and a call
 * whose four attempts all landed on refusing replicas failed (an operator trial: 47 of 904
 * with one of two refusing). Only worth it with somewhere else to go: when every daemon is
 * NOT_SERVING, calls fail in the client without the daemon's own reason.
 *
 * <p>UNKNOWN because a daemon that died between two calls fails the next call so when the
 * client writes to the closed connection before it has read the close: grpc-netty reports that
 * ClosedChannelException as UNKNOWN "channel closed", not UNAVAILABLE. The daemon itself never
 * answers UNKNOWN (its failures are mapped to the status that says what went wrong).
 */
final class ServiceConfig {
  private ServiceConfig() {}

  /**
   * The config, with health checks or without: the JSON files beside the proto hold both,
   * {@code service-config-replicas.json} and {@code service-config.json}.
   */
  static Map<String, ?> forSmimed(boolean healthChecked) {
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
    Map<String, Object> config = new java.util.LinkedHashMap<>(Map.of(
        "loadBalancingConfig", List.of(Map.of("round_robin", Map.of())),
        "methodConfig", List.of(calls, streams)));
    if (healthChecked) {
      config.put("healthCheckConfig", Map.of("serviceName", ""));
    }
    return Map.copyOf(config);
  }
}
