package org.smimed.client.cli;

import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.MissingParameterException;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.UnmatchedArgumentException;

/** How smime and smimectl report a command line they cannot parse: one line, exit code 2. */
public final class UsageErrors {
  private UsageErrors() {}

  /**
   * Prints "TOOL: message (see 'COMMAND --help')" and returns 2.
   *
   * <p>Picocli checks required options before it reports arguments it did not recognise, so
   * {@code smime sign --idnetity a@x} would say "Missing required option '--identity'" and hide
   * the typo that caused it; the unrecognised argument is named instead.
   */
  public static int report(String tool, ParameterException e) {
    CommandLine line = e.getCommandLine();
    List<String> unmatched = line.getUnmatchedArguments();
    ParameterException shown = e instanceof MissingParameterException && !unmatched.isEmpty()
        ? new UnmatchedArgumentException(line, unmatched)
        : e;
    line.getErr().println(tool + ": " + oneLine(shown.getMessage()) + " (see '"
        + line.getCommandSpec().qualifiedName() + " --help')");
    return 2;
  }

  /** The message on one line: picocli and some exceptions wrap theirs. */
  public static String oneLine(String s) {
    return s.replaceAll("\\s+", " ").strip();
  }
}
