package org.smimed.client.admin;

import java.util.concurrent.Callable;
import org.smimed.client.cli.CliIo;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParameterException;

/**
 * The {@code smimectl} command for security officers. Exit codes: 0 success, 1 the operation
 * failed (for {@code audit verify}: the log was tampered with), 2 bad usage, 3 a file cannot
 * be read. Only {@link #main} calls System.exit, so tests run it in-process.
 */
@Command(name = "smimectl", mixinStandardHelpOptions = true,
    description = "Administration of smimed for security officers.")
public final class SmimectlCli implements Callable<Integer> {
  private final CliIo io;

  public SmimectlCli(CliIo io) {
    this.io = io;
  }

  public static void main(String[] args) {
    System.exit(new SmimectlCli(CliIo.system()).run(args));
  }

  /** Runs one command line and returns its exit code. */
  public int run(String... args) {
    CommandLine cli = new CommandLine(this).addSubcommand(new AuditCommand(io));
    var out = new java.io.PrintWriter(io.out(), true);
    cli.setOut(out);
    cli.setErr(io.err());
    cli.setParameterExceptionHandler(SmimectlCli::usageError);
    int code = cli.execute(args);
    out.flush();
    io.err().flush();
    return code;
  }

  @Override
  public Integer call() {
    io.err().println("smimectl: a subcommand is required (see 'smimectl --help')");
    return 2;
  }

  private static int usageError(ParameterException e, String[] args) {
    CommandLine line = e.getCommandLine();
    line.getErr().println("smimectl: " + e.getMessage().replaceAll("\\s+", " ").strip()
        + " (see '" + line.getCommandSpec().qualifiedName() + " --help')");
    return 2;
  }
}
