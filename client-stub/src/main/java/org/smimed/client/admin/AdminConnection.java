package org.smimed.client.admin;

import io.grpc.ManagedChannel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.smimed.api.v1.KeyAdminServiceGrpc;
import org.smimed.client.Channels;
import org.smimed.client.cli.CliIo;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * How to reach the daemon's admin listener: the same options as {@code smime}, with
 * SMIMECTL_* environment defaults and the admin port 8444.
 *
 * <p>Guarantee: without --plaintext the connection is TLS trusting only the --ca certificates.
 */
final class AdminConnection {
  static final String DEFAULT_TARGET = "localhost:8444";

  @Spec(Spec.Target.MIXEE)
  CommandSpec spec;

  @Option(names = "--target", paramLabel = "HOST:PORT",
      description = "Admin listener (default: $SMIMECTL_TARGET, else " + DEFAULT_TARGET + ").")
  String target;

  @Option(names = "--ca", paramLabel = "FILE",
      description = "PEM CA certificate(s) of the daemon's TLS certificate "
          + "(default: $SMIMECTL_CA).")
  Path ca;

  @Option(names = "--cert", paramLabel = "FILE",
      description = "PEM client certificate chain for mutual TLS (default: $SMIMECTL_CERT).")
  Path cert;

  @Option(names = "--key", paramLabel = "FILE",
      description = "PEM PKCS#8 client private key for mutual TLS (default: $SMIMECTL_KEY).")
  Path key;

  @Option(names = "--plaintext",
      description = "Connect without TLS. Development only.")
  boolean plaintext;

  @Option(names = "--deadline", paramLabel = "SECONDS", defaultValue = "60",
      description = "Deadline of each call in seconds (default: ${DEFAULT-VALUE}).")
  long deadlineSeconds;

  /** A blocking stub with the deadline applied, and its channel; close shuts it down. */
  record Open(ManagedChannel channel, KeyAdminServiceGrpc.KeyAdminServiceBlockingStub stub)
      implements AutoCloseable {
    @Override
    public void close() throws InterruptedException {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  Open open(CliIo io) throws AdminFailure {
    if (deadlineSeconds <= 0) {
      throw new ParameterException(spec.commandLine(), "--deadline must be positive");
    }
    String address = target != null ? target
        : io.env().getOrDefault("SMIMECTL_TARGET", DEFAULT_TARGET);
    ManagedChannel channel;
    if (plaintext) {
      io.err().println("smimectl: warning: --plaintext sends everything unencrypted;"
          + " development only");
      channel = Channels.plaintext(address);
    } else {
      channel = tls(io, address);
    }
    return new Open(channel, KeyAdminServiceGrpc.newBlockingStub(channel)
        .withDeadlineAfter(deadlineSeconds, TimeUnit.SECONDS));
  }

  private ManagedChannel tls(CliIo io, String address) throws AdminFailure {
    Path caFile = ca != null ? ca : env(io, "SMIMECTL_CA");
    Path certFile = cert != null ? cert : env(io, "SMIMECTL_CERT");
    Path keyFile = key != null ? key : env(io, "SMIMECTL_KEY");
    if (caFile == null) {
      throw new ParameterException(spec.commandLine(),
          "--ca (or SMIMECTL_CA) is required for TLS; --plaintext is for development only");
    }
    if ((certFile == null) != (keyFile == null)) {
      throw new ParameterException(spec.commandLine(), "--cert and --key go together");
    }
    try {
      return certFile == null ? Channels.tls(address, caFile)
          : Channels.tls(address, caFile, certFile, keyFile);
    } catch (IOException | IllegalArgumentException e) {
      throw new AdminFailure("cannot set up TLS: " + e.getMessage());
    }
  }

  private static Path env(CliIo io, String name) {
    String v = io.env().get(name);
    return v == null || v.isBlank() ? null : Path.of(v);
  }
}
