package org.smimed.client.admin;

import io.grpc.ManagedChannel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.smimed.api.v1.KeyAdminServiceGrpc;
import org.smimed.client.cli.CliIo;
import org.smimed.client.cli.ConnectionSettings;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * How to reach the daemon's admin listener: the same options as {@code smime}, with
 * SMIMECTL_* environment defaults and the admin port 8444.
 *
 * <p>Guarantee: without --plaintext the connection is TLS trusting only the --ca certificates.
 */
final class AdminConnection {
  static final String DEFAULT_TARGET = "localhost:8444";
  private static final ConnectionSettings SETTINGS =
      new ConnectionSettings("smimectl", "SMIMECTL_", DEFAULT_TARGET);

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
    ManagedChannel channel;
    try {
      channel = SETTINGS.open(io, spec, new ConnectionSettings.Given(target, ca, cert, key,
          plaintext, deadlineSeconds));
    } catch (IOException e) {
      throw new AdminFailure("cannot set up TLS: " + ConnectionSettings.why(e));
    }
    return new Open(channel, KeyAdminServiceGrpc.newBlockingStub(channel)
        .withDeadlineAfter(deadlineSeconds, TimeUnit.SECONDS));
  }
}
