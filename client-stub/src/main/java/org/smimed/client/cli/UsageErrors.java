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

  /**
   * Runs {@code parsed} as picocli does, after refusing arguments it did not recognise:
   * picocli lets them pass when --help is among them, so {@code smime bogus --help} printed
   * the top-level help and exited 0, hiding the typo (found by a CLI review).
   */
  public static int runLastRefusingUnmatched(CommandLine.ParseResult parsed) {
    for (var result = parsed; result != null; result = result.subcommand()) {
      if (!result.unmatched().isEmpty()) {
        throw new UnmatchedArgumentException(result.commandSpec().commandLine(),
            result.unmatched());
      }
    }
    return new CommandLine.RunLast().execute(parsed);
  }

  /**
   * The message on one line: picocli and some exceptions wrap theirs. Control and invisible
   * format characters are written as \\uXXXX: a message may quote a hostile input (a
   * SignerInfo's issuer), and an ESC sequence could erase the line on a terminal and print a
   * forged "Verified" (found by a security review).
   */
  public static String oneLine(String s) {
    StringBuilder b = new StringBuilder(s.length());
    s.replaceAll("\\s+", " ").strip().codePoints().forEach(c -> {
      int type = Character.getType(c);
      if (Character.isISOControl(c) || type == Character.FORMAT
          || type == Character.LINE_SEPARATOR || type == Character.PARAGRAPH_SEPARATOR) {
        b.append(String.format("\\u%04x", c));
      } else {
        b.appendCodePoint(c);
      }
    });
    return b.toString();
  }
}
