package org.smimed.client.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import picocli.CommandLine;

/**
 * How smime and smimectl run a command line: output through {@link CliIo}, a line they cannot
 * parse reported by {@link UsageErrors} (exit code 2), a failed operation as one line
 * "TOOL: message" on standard error (exit code 1), never a stack trace. One place, so that
 * both tools keep the same exit codes and error lines.
 */
public final class CliExecution {
  private CliExecution() {}

  /** Runs {@code args} on {@code cli}, the tool {@code tool}, and returns the exit code. */
  public static int execute(String tool, CommandLine cli, CliIo io, String... args) {
    var out = new PrintWriter(io.out(), true);
    cli.setOut(out);
    cli.setErr(io.err());
    cli.setParameterExceptionHandler((e, unparsed) -> UsageErrors.report(tool, e));
    cli.setExecutionStrategy(UsageErrors::runLastRefusingUnmatched);
    cli.setExecutionExceptionHandler((e, line, parsed) -> failure(tool, e, line));
    sameVersion(cli, cli.getCommandSpec().version());
    int code;
    try {
      code = cli.execute(args);
    } catch (OutOfMemoryError e) {
      // verify and open hold the whole message: a large one in a small heap printed a stack
      // trace (found by a client trial). The heap is what to change, so say so.
      io.err().println(tool + ": not enough memory for this message (" + e.getMessage()
          + "): give Java a larger heap, e.g. JAVA_OPTS=-Xmx2g");
      code = 1;
    }
    out.flush();
    io.err().flush();
    return code;
  }

  /**
   * Gives every subcommand the tool's version: picocli's -V/--version on a subcommand that
   * sets none printed nothing and exited 0 (found by an outside trial).
   */
  public static void sameVersion(CommandLine cli, String[] version) {
    for (CommandLine sub : cli.getSubcommands().values()) {
      if (sub.getCommandSpec().version().length == 0) {
        sub.getCommandSpec().version(version);
      }
      sameVersion(sub, version);
    }
  }

  private static int failure(String tool, Exception e, CommandLine line) {
    String message = e instanceof NoSuchFileException || e instanceof AccessDeniedException
        ? ConnectionSettings.why((IOException) e)
        : e instanceof IOException ? "I/O error: " + e.getMessage() : e.getMessage();
    line.getErr().println(tool + ": " + UsageErrors.oneLine(message == null
        ? e.getClass().getSimpleName() : message));
    return 1;
  }
}
