package org.smimed.client;

import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.TlsChannelCredentials;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Builds channels to the daemon. The caller owns the returned channel and must shut it down.
 *
 * <p>A target is one {@code host:port}, a comma-separated list of them (several daemons sharing
 * one HSM), or any gRPC target such as {@code dns:///smimed.internal:8443}. Every channel
 * balances round-robin over all addresses, puts a deadline on each call and retries calls that
 * failed with UNAVAILABLE on another daemon (see {@link ServiceConfig}).
 *
 * <p>Guarantee: {@link #tls} channels verify the server's certificate chain and host name against
 * only the CA certificates in the given PEM file (not the system trust store);
 * {@link #plaintext} is for development and sends everything unencrypted.
 */
public final class Channels {
  private Channels() {}

  /** A TLS channel that authenticates the server with the CA certificates in a PEM file. */
  public static ManagedChannel tls(String target, Path trustedCaPem) throws IOException {
    return builder(target, TlsChannelCredentials.newBuilder()
        .trustManager(trustedCaPem.toFile())
        .build()).build();
  }

  /**
   * A mutual-TLS channel: the server is authenticated as in {@link #tls(String, Path)} and the
   * client presents the certificate chain and PKCS#8 PEM private key given; a key that does
   * not belong to the chain's first certificate is an IOException saying so, before any
   * connection.
   */
  public static ManagedChannel tls(String target, Path trustedCaPem, Path clientCertPem,
      Path clientKeyPem) throws IOException {
    ClientKeyCheck.requireMatch(clientCertPem, clientKeyPem);
    ChannelCredentials credentials = TlsChannelCredentials.newBuilder()
        .trustManager(trustedCaPem.toFile())
        .keyManager(clientCertPem.toFile(), clientKeyPem.toFile())
        .build();
    return builder(target, credentials).build();
  }

  /** An unencrypted channel; development only, never across a network. */
  public static ManagedChannel plaintext(String target) {
    return builder(target, InsecureChannelCredentials.create()).build();
  }

  @SuppressWarnings("deprecation") // nameResolverFactory: the per-channel way to add a resolver
  private static ManagedChannelBuilder<?> builder(String target, ChannelCredentials credentials) {
    ManagedChannelBuilder<?> builder;
    if (target.contains(",")) {
      StaticEndpoints endpoints = new StaticEndpoints(
          Arrays.stream(target.split(",")).map(String::trim).toList());
      builder = Grpc.newChannelBuilder(endpoints.target(), credentials)
          .nameResolverFactory(endpoints);
    } else {
      builder = Grpc.newChannelBuilder(target, credentials);
    }
    return builder.defaultServiceConfig(ServiceConfig.forSmimed()).enableRetry();
  }
}
