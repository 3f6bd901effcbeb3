package org.smimed.client.cli;

import java.lang.ref.Reference;
import java.util.function.IntSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Runs a command line with grpc-java's own logging off: it logs transport failures (an
 * unknown host, a refused connection) as warnings with stack traces, while the CLIs report
 * every failure as one line of their own.
 */
public final class QuietGrpc {
  private QuietGrpc() {}

  /** {@code command}'s exit code. */
  public static int run(IntSupplier command) {
    Logger grpc = Logger.getLogger("io.grpc");
    Level before = grpc.getLevel();
    grpc.setLevel(Level.OFF);
    try {
      return command.getAsInt();
    } finally {
      grpc.setLevel(before);
      // java.util.logging holds loggers weakly: keep this one, and its level, until here.
      Reference.reachabilityFence(grpc);
    }
  }
}
