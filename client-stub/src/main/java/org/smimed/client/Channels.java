package org.smimed.client;

import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.TlsChannelCredentials;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * Builds channels to the daemon. The caller owns the returned channel and must shut it down.
 *
 * <p>A target is one {@code host:port}, a comma-separated list of them (several daemons sharing
 * one HSM), or any gRPC target such as {@code dns:///smimed.internal:8443}. Every channel
 * balances round-robin over all addresses, puts a deadline on each call, retries calls that
 * failed with UNAVAILABLE on another daemon (see {@link ServiceConfig}) and, while calls are in
 * flight, pings every 10 s and drops a connection whose daemon does not answer within 5 s. A
 * target that can name several daemons (a list, or a name to resolve such as {@code dns:///…})
 * also watches each daemon's health and sends calls only to those SERVING ({@link HealthChecks}).
 *
 * <p>Guarantee: {@link #tls} channels verify the server's certificate chain and host name against
 * only the CA certificates in the given PEM file (not the system trust store);
 * {@link #plaintext} is for development and sends everything unencrypted.
 */
public final class Channels {
  /** The shortest interval gRPC allows; the daemon permits pings twice as often. */
  static final Duration KEEPALIVE = Duration.ofSeconds(10);
  static final Duration KEEPALIVE_TIMEOUT = Duration.ofSeconds(5);

  private Channels() {}

  /** Whether a channel watches each daemon's health before sending it calls. */
  public enum HealthChecks {
    /**
     * For a target that can name several daemons: a comma-separated list, or any target with
     * a scheme ({@code dns:///…}); a single {@code host:port} has nowhere else to send a call,
     * so there every call goes to the daemon and comes back with its own reason for a refusal.
     */
    WHEN_SEVERAL,
    /**
     * Never: for one-shot command-line calls, where a person reads the daemon's own reason, and
     * the admin listener, which serves no health.
     */
    NEVER;

    boolean appliesTo(String target) {
      return this == WHEN_SEVERAL && (target.contains(",") || target.contains(":/"));
    }
  }

  /** A TLS channel that authenticates the server with the CA certificates in a PEM file. */
  public static ManagedChannel tls(String target, Path trustedCaPem) throws IOException {
    return tls(target, trustedCaPem, HealthChecks.WHEN_SEVERAL);
  }

  /** {@link #tls(String, Path)} with health checks as {@code health} says. */
  public static ManagedChannel tls(String target, Path trustedCaPem, HealthChecks health)
      throws IOException {
    TlsFileCheck.requireCertificate(trustedCaPem);
    return builder(target, TlsChannelCredentials.newBuilder()
        .trustManager(trustedCaPem.toFile())
        .build(), health).build();
  }

  /**
   * A mutual-TLS channel: the server is authenticated as in {@link #tls(String, Path)} and the
   * client presents the certificate chain and PKCS#8 PEM private key given; a key that does
   * not belong to the chain's first certificate is an IOException saying so, before any
   * connection.
   */
  public static ManagedChannel tls(String target, Path trustedCaPem, Path clientCertPem,
      Path clientKeyPem) throws IOException {
    return tls(target, trustedCaPem, clientCertPem, clientKeyPem, HealthChecks.WHEN_SEVERAL);
  }

  /** {@link #tls(String, Path, Path, Path)} with health checks as {@code health} says. */
  public static ManagedChannel tls(String target, Path trustedCaPem, Path clientCertPem,
      Path clientKeyPem, HealthChecks health) throws IOException {
    TlsFileCheck.requireCertificate(trustedCaPem);
    TlsFileCheck.requireMatch(clientCertPem, clientKeyPem);
    ChannelCredentials credentials = TlsChannelCredentials.newBuilder()
        .trustManager(trustedCaPem.toFile())
        .keyManager(clientCertPem.toFile(), clientKeyPem.toFile())
        .build();
    return builder(target, credentials, health).build();
  }

  /** An unencrypted channel; development only, never across a network. */
  public static ManagedChannel plaintext(String target) {
    return plaintext(target, HealthChecks.WHEN_SEVERAL);
  }

  /** {@link #plaintext(String)} with health checks as {@code health} says. */
  public static ManagedChannel plaintext(String target, HealthChecks health) {
    return builder(target, InsecureChannelCredentials.create(), health).build();
  }

  @SuppressWarnings("deprecation") // nameResolverFactory: the per-channel way to add a resolver
  private static ManagedChannelBuilder<?> builder(String target, ChannelCredentials credentials,
      HealthChecks health) {
    ManagedChannelBuilder<?> builder;
    if (target.contains(",")) {
      StaticEndpoints endpoints = new StaticEndpoints(
          Arrays.stream(target.split(",")).map(String::trim).toList());
      builder = Grpc.newChannelBuilder(endpoints.target(), credentials)
          .nameResolverFactory(endpoints);
    } else {
      builder = Grpc.newChannelBuilder(target, credentials);
    }
    // Keepalive while calls are in flight: a replica that froze (a stopped process, a host
    // or network partition) keeps its TCP connection open and answers nothing, and every call
    // round-robin sent to it waited out its whole deadline (found by an operator trial: one
    // stopped replica of two halted all traffic). A ping unanswered within KEEPALIVE_TIMEOUT
    // closes the connection, its calls fail UNAVAILABLE and are retried on another daemon,
    // which no longer gets new calls. The daemon permits pings this often. A health-checked
    // channel always has its health watch in flight, so it also pings between calls.
    return builder.defaultServiceConfig(ServiceConfig.forSmimed(health.appliesTo(target)))
        .enableRetry()
        .keepAliveTime(KEEPALIVE.toSeconds(), TimeUnit.SECONDS)
        .keepAliveTimeout(KEEPALIVE_TIMEOUT.toSeconds(), TimeUnit.SECONDS)
        .keepAliveWithoutCalls(false);
  }
}
