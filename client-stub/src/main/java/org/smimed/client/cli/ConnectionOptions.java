package org.smimed.client.cli;

import io.grpc.ManagedChannel;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.smimed.client.SmimeClient;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * How to reach the daemon: --target, --ca, --cert/--key, --plaintext, --deadline.
 *
 * <p>Guarantee: without --plaintext a connection is TLS that trusts only the --ca (or SMIME_CA)
 * certificates; --plaintext prints a warning every time it is used.
 */
final class ConnectionOptions {
  static final String DEFAULT_TARGET = "localhost:8443";
  private static final ConnectionSettings SETTINGS =
      new ConnectionSettings("smime", "SMIME_", DEFAULT_TARGET);

  @Spec(Spec.Target.MIXEE)
  CommandSpec spec;

  @Option(names = "--target", paramLabel = "HOST:PORT",
      description = "Daemon address HOST:PORT, several comma-separated (round-robin, failed"
          + " calls retried on another), or a gRPC target such as dns:///name:port"
          + " (default: $SMIME_TARGET, else " + DEFAULT_TARGET + ").")
  String target;

  @Option(names = "--ca", paramLabel = "FILE",
      description = "PEM CA certificate(s) that sign the daemon's TLS certificate "
          + "(default: $SMIME_CA).")
  Path ca;

  @Option(names = "--cert", paramLabel = "FILE",
      description = "PEM client certificate chain for mutual TLS (default: $SMIME_CERT).")
  Path cert;

  @Option(names = "--key", paramLabel = "FILE",
      description = "PEM client private key for mutual TLS, unencrypted PKCS#8"
          + " (default: $SMIME_KEY).")
  Path key;

  @Option(names = "--plaintext",
      description = "Connect without TLS. Development only: everything travels unencrypted.")
  boolean plaintext;

  @Option(names = "--deadline", paramLabel = "SECONDS", defaultValue = "30",
      description = "Deadline of each call in seconds, streamed ones too: give large messages"
          + " a longer one (default: ${DEFAULT-VALUE}).")
  long deadlineSeconds;

  /** A client and the channel it runs on; closing shuts the channel down. */
  record Connection(ManagedChannel channel, SmimeClient client) implements AutoCloseable {
    @Override
    public void close() throws InterruptedException {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  Connection open(CliIo io) throws CliFailure {
    ManagedChannel channel;
    try {
      channel = SETTINGS.open(io, spec, new ConnectionSettings.Given(target, ca, cert, key,
          plaintext, deadlineSeconds));
    } catch (IOException e) {
      throw new CliFailure("cannot set up TLS: " + ConnectionSettings.why(e), e);
    }
    return new Connection(channel,
        new SmimeClient(channel, Duration.ofSeconds(deadlineSeconds)));
  }
}
