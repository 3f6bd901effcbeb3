package org.smimed.client.admin;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;
import org.smimed.client.cli.CliIo;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
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
      @Option(names = "--anchor", paramLabel = "SEQ:HASH", converter = AnchorFormat.class,
          description = "A record known to exist: its sequence number and 64-hex-digit hash,"
              + " e.g. the head the daemon logged; detects records cut from the end.")
      String anchor) {
    AuditVerifier.Result result;
    try {
      if (Files.isDirectory(file)) {
        io.err().println("smimectl: cannot read " + file + ": is a directory");
        return UNREADABLE;
      }
      result = new AuditVerifier().verify(file, Optional.ofNullable(anchor));
    } catch (IOException e) {
      io.err().println("smimectl: cannot read " + file + ": " + reason(e));
      return UNREADABLE;
    }
    var out = new java.io.PrintWriter(io.out(), true);
    if (result.intact()) {
      out.println(file + ": intact, " + result.records() + " records, head " + result.head());
      if (result.records() == 0) {
        // Exit 0 as documented (a new daemon's log is empty), but deleting every record
        // also leaves an empty, "intact" file: only an anchor tells the two apart.
        io.err().println("smimectl: warning: " + file + " holds no records; an empty log"
            + " proves nothing without --anchor");
      }
      return INTACT;
    }
    io.err().println("smimectl: " + file + ": " + result.problem().get().message()
        + "; the " + result.records() + " records before it are intact (head "
        + result.head() + ")");
    return TAMPERED;
  }

  /** Why a file could not be read, in words rather than an exception's class name. */
  private static String reason(IOException e) {
    if (e instanceof NoSuchFileException) {
      return "no such file";
    }
    if (e instanceof AccessDeniedException) {
      return "permission denied";
    }
    String message = e.getMessage();
    return message == null ? "I/O error" : message.toLowerCase(Locale.ROOT);
  }

  /** An anchor is "SEQ:HASH" as the daemon logs its chain head; anything else is a typo. */
  static final class AnchorFormat implements ITypeConverter<String> {
    private static final Pattern ANCHOR = Pattern.compile("[1-9][0-9]{0,18}:[0-9a-fA-F]{64}");

    @Override
    public String convert(String value) {
      if (!ANCHOR.matcher(value).matches()) {
        throw new picocli.CommandLine.TypeConversionException("'" + value + "' is not an"
            + " anchor: give SEQ:HASH, a record's sequence number and its hash in 64 hex"
            + " digits, as the daemon logs the chain head (e.g. 1842:3f5c...e1 in full)");
      }
      return value.toLowerCase(Locale.ROOT);
    }
  }
}
