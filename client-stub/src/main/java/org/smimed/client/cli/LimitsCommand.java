package org.smimed.client.cli;

import java.io.PrintWriter;
import java.util.OptionalInt;
import java.util.concurrent.Callable;
import org.smimed.client.DaemonLimits;
import org.smimed.client.SmimeClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code smime limits}: what the daemon takes from this client (GetLimits), one
 * {@code name: value} line each, named as the proto's fields are, so a developer sizing a
 * client or a script reading one figure need not learn them from refusals.
 */
@Command(name = "limits", mixinStandardHelpOptions = true,
    description = {"Show what the daemon takes from this client: its policy entry's call"
        + " limits, message sizes, in-flight byte budget and stream timeouts.",
        "One 'name: value' line each, named as the fields of the API's Limits message;"
        + " 'unlimited' where the policy sets no limit."})
final class LimitsCommand implements Callable<Integer> {
  private final CliIo io;

  @Mixin ConnectionOptions connection;

  LimitsCommand(CliIo io) {
    this.io = io;
  }

  @Override
  public Integer call() throws Exception {
    DaemonLimits limits = DaemonOperations.query(connection, io,
        "asking the daemon its limits failed", SmimeClient::limits);
    PrintWriter out = io.textOut();
    out.println("max_concurrent_calls: " + text(limits.maxConcurrentCalls()));
    out.println("decrypts_per_minute: " + text(limits.decryptsPerMinute()));
    out.println("max_message_bytes: " + limits.maxMessageBytes());
    out.println("max_unary_bytes: " + limits.maxUnaryBytes());
    out.println("max_in_flight_bytes: " + limits.maxInFlightBytes());
    out.println("decrypt_message_charge_bytes: " + limits.decryptMessageChargeBytes());
    out.println("decrypt_messages_at_once: " + limits.decryptMessagesAtOnce());
    out.println("max_batch_digests: " + limits.maxBatchDigests());
    out.println("stream_idle_seconds: " + limits.streamIdle().toSeconds());
    out.println("max_stream_seconds: " + limits.maxStreamDuration().toSeconds());
    out.flush();
    return 0;
  }

  private static String text(OptionalInt limit) {
    return limit.isPresent() ? Integer.toString(limit.getAsInt()) : "unlimited";
  }
}
