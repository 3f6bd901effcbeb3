package org.smimed.client.admin;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import org.smimed.client.cli.CliIo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code smimectl audit}: work with the daemon's audit log. */
@Command(name = "audit", mixinStandardHelpOptions = true,
    description = "Work with the smimed audit log (see docs/audit.md).")
final class AuditCommand implements Runnable {
  static final int INTACT = 0;
  static final int TAMPERED = 1;
  static final int UNREADABLE = 3;

  private final CliIo io;

  AuditCommand(CliIo io) {
    this.io = io;
  }

  @Override
  public void run() {
    io.err().println("smimectl: audit needs a subcommand: verify (see 'smimectl audit --help')");
  }

  @Command(name = "verify", mixinStandardHelpOptions = true,
      description = {"Check the hash chain of an audit log and name the first record that was"
          + " edited, removed, reordered or cut off."},
      exitCodeListHeading = "%nExit codes:%n",
      exitCodeList = {"0:the log is intact", "1:the log was tampered with or truncated",
          "2:bad usage", "3:the file cannot be read"})
  int verify(
      @Parameters(paramLabel = "FILE", description = "The audit log (audit.file).") Path file,
      @Option(names = "--anchor", paramLabel = "SEQ:HASH",
          description = "A record known to exist (e.g. the head the daemon logged);"
              + " detects records cut from the end.") String anchor) {
    AuditVerifier.Result result;
    try {
      result = new AuditVerifier().verify(file, Optional.ofNullable(anchor));
    } catch (IOException e) {
      io.err().println("smimectl: cannot read " + file + ": " + e.getClass().getSimpleName());
      return UNREADABLE;
    }
    var out = new java.io.PrintWriter(io.out(), true);
    if (result.intact()) {
      out.println(file + ": intact, " + result.records() + " records, head " + result.head());
      return INTACT;
    }
    io.err().println("smimectl: " + file + ": " + result.problem().get().message()
        + "; the " + result.records() + " records before it are intact (head "
        + result.head() + ")");
    return TAMPERED;
  }
}
