package org.smimed.client.admin;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import org.smimed.client.cli.CliIo;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code smimectl audit}: work with the daemon's audit log. */
@Command(name = "audit", mixinStandardHelpOptions = true,
    description = "Work with the smimed audit log (see docs/audit.md).")
final class AuditCommand implements Callable<Integer> {
  static final int INTACT = 0;
  static final int TAMPERED = 1;
  static final int USAGE = 2;
  static final int UNREADABLE = 3;

  private final CliIo io;

  AuditCommand(CliIo io) {
    this.io = io;
  }

  /** A usage error (exit 2), so that a scheduled check with a typo does not pass. */
  @Override
  public Integer call() {
    io.err().println("smimectl: audit needs a subcommand: verify (see 'smimectl audit --help')");
    return USAGE;
  }

  @Command(name = "verify", mixinStandardHelpOptions = true,
      description = {"Check the hash chain of an audit log and name the first record that was"
          + " edited, removed, reordered or cut off.",
          "A rotated log (audit.rotateBytes) is several files, checked as one chain: give them"
          + " oldest first, e.g. 'audit.log.* audit.log' (archive names sort in chain order)."},
      exitCodeListHeading = "%nExit codes:%n",
      exitCodeList = {"0:the log is intact", "1:the log was tampered with or truncated",
          "2:bad usage", "3:a file cannot be read"})
  int verify(
      @Parameters(paramLabel = "FILE", arity = "1..*",
          description = "The audit log (audit.file), or its rotated files and then audit.file,"
              + " oldest first.") List<Path> files,
      @Option(names = "--anchor", paramLabel = "SEQ:HASH", converter = AnchorFormat.class,
          description = "A record known to exist: its sequence number and 64-hex-digit hash,"
              + " e.g. the head the daemon logged; detects records cut from the end.")
      String anchor,
      @Option(names = "--after", paramLabel = "SEQ:HASH", converter = AnchorFormat.class,
          description = "The chain starts after this record instead of at record 1: the last"
              + " record of a rotated file no longer at hand, as the daemon logged it when"
              + " it rotated.")
      String after) {
    AuditVerifier.Result result;
    if (anchor != null && after != null && sequence(anchor) <= sequence(after)) {
      // The files start after --after, so they cannot hold the anchor: checked anyway it
      // read as "truncated", a false finding of tampering (an auditor trial).
      io.err().println("smimectl: --anchor " + sequence(anchor) + " is not after --after "
          + sequence(after) + ": the chain checked starts after record " + sequence(after)
          + ", so it cannot hold that record; give an anchor from a later record");
      return USAGE;
    }
    for (Path file : files) {
      if (Files.isDirectory(file)) {
        io.err().println("smimectl: cannot read " + file + ": is a directory");
        return UNREADABLE;
      }
    }
    try {
      result = new AuditVerifier().verify(files, Optional.ofNullable(anchor),
          Optional.ofNullable(after));
    } catch (IOException e) {
      io.err().println("smimectl: cannot read " + (e instanceof FileSystemException f
          && f.getFile() != null ? f.getFile() : files) + ": " + reason(e));
      return UNREADABLE;
    }
    String what = files.size() == 1 ? files.get(0).toString()
        : files.size() + " files, " + files.get(0) + " to " + files.get(files.size() - 1);
    var out = new java.io.PrintWriter(io.out(), true);
    if (result.intact()) {
      out.println(what + ": intact, " + result.records() + " records, head " + result.head());
      if (result.records() == 0) {
        // Exit 0 as documented (a new daemon's log is empty), but deleting every record
        // also leaves an empty, "intact" file: only an anchor tells the two apart.
        io.err().println("smimectl: warning: " + what + " holds no records; an empty log"
            + " proves nothing without --anchor");
      }
      return INTACT;
    }
    AuditVerifier.Finding finding = result.problem().get();
    io.err().println("smimectl: " + finding.file() + ": " + finding.message()
        + beforeIt(finding, result, anchor != null));
    return TAMPERED;
  }

  /**
   * What can be said of the records before a finding. Found by an officer trial: with no
   * anchor given it spoke of "the anchor", and with --after and no record read it called
   * "the 0 records" intact at a head that was only what the user typed.
   */
  private static String beforeIt(AuditVerifier.Finding finding, AuditVerifier.Result result,
      boolean anchored) {
    if (result.records() == 0) {
      return "; it is the first record read";
    }
    if (finding.vouched()) {
      return "; the " + result.records() + " records before it are intact (head "
          + result.head() + ")";
    }
    return anchored
        ? "; no record up to the anchor can be trusted (a rewritten chain is consistent with"
            + " itself: only the anchor shows it)"
        : "; no record before it can be trusted (the chain cannot tell an inserted copy from"
            + " the record it replaced)";
  }

  /** The sequence number of a SEQ:HASH value {@link AnchorFormat} accepted. */
  private static long sequence(String anchor) {
    return Long.parseLong(anchor.substring(0, anchor.indexOf(':')));
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

  /** Whether the sequence number is one a log can have (19 digits may overflow, a review). */
  private static boolean fitsALong(String anchor) {
    try {
      Long.parseLong(anchor.substring(0, anchor.indexOf(':')));
      return true;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  /** An anchor is "SEQ:HASH" as the daemon logs its chain head; anything else is a typo. */
  static final class AnchorFormat implements ITypeConverter<String> {
    private static final Pattern ANCHOR = Pattern.compile("[1-9][0-9]{0,18}:[0-9a-fA-F]{64}");

    @Override
    public String convert(String value) {
      if (!ANCHOR.matcher(value).matches() || !fitsALong(value)) {
        throw new picocli.CommandLine.TypeConversionException("'" + value + "' is not an"
            + " anchor: give SEQ:HASH, a record's sequence number and its hash in 64 hex"
            + " digits, as the daemon logs the chain head (e.g. 1842:3f5c...e1 in full)");
      }
      return value.toLowerCase(Locale.ROOT);
    }
  }
}
