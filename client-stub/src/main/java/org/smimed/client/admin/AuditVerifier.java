package org.smimed.client.admin;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Checks a smimed audit log (docs/audit.md) and names the first record that was edited,
 * removed, reordered or cut off.
 *
 * <p>Guarantee: a log passes only if every line is a canonical record whose hash matches its
 * content, sequence numbers run 1, 2, 3, ... without gaps, and each record's prev is the hash
 * of the record before it. Removing records from the end leaves a valid shorter chain; that is
 * caught only against an anchor (a "SEQ:HASH" kept elsewhere, e.g. from the daemon's log).
 *
 * <p>A rotated log is several files read as one chain, oldest first; when the older files are
 * gone, the chain starts after a known record instead of at record 1. Files are read a line at
 * a time, so a log of any size verifies in bounded memory.
 */
public final class AuditVerifier {
  static final String GENESIS = "0".repeat(64);
  /** Far longer than any record; a longer "line" is reported without being held whole. */
  private static final int MAX_LINE_BYTES = 1 << 20;

  /**
   * The first problem found: the file, its 1-based line, and what is wrong there;
   * {@code vouched}: whether the records before it can be called intact
   * (not when an anchor disagrees with the chain: a consistent chain that misses its anchor
   * was re-hashed from some earlier record on, and which one cannot be told).
   */
  public record Finding(Path file, long line, String message, boolean vouched) {}

  /** The outcome: records read, the last record's "SEQ:HASH", and the first problem if any. */
  public record Result(long records, String head, Optional<Finding> problem) {
    public boolean intact() {
      return problem.isEmpty();
    }
  }

  /** Verifies {@code file}; {@code anchor} ("SEQ:HASH") must then be one of its records. */
  public Result verify(Path file, Optional<String> anchor) throws IOException {
    return verify(List.of(file), anchor, Optional.empty());
  }

  /**
   * Verifies {@code files} as one chain, in the order given; it starts at record 1, or right
   * after {@code after} ("SEQ:HASH", the last record of a file no longer at hand). An
   * {@code anchor} must be one of the records read.
   */
  public Result verify(List<Path> files, Optional<String> anchor, Optional<String> after)
      throws IOException {
    Chain chain = new Chain(anchor);
    if (after.isPresent()) {
      String[] parts = after.get().split(":", 2);
      chain.seq = Long.parseLong(parts[0]);
      chain.prev = parts[1];
    }
    for (Path file : files) {
      Optional<Finding> problem = chain.read(file);
      if (problem.isPresent()) {
        return chain.suspectPrevious && chain.records > 0
            ? new Result(chain.records - 1, chain.beforeLast, problem)
            : new Result(chain.records, chain.head(), problem);
      }
    }
    if (chain.anchor.isPresent()) {
      Path last = files.get(files.size() - 1);
      return new Result(chain.records, chain.head(), Optional.of(new Finding(last,
          chain.lastLine + 1, "the log ends at record " + chain.seq + ", before the anchor "
          + chain.anchor.get() + ": records removed from the end (truncated), or the log"
          + " rewritten and cut", false)));
    }
    return new Result(chain.records, chain.head(), Optional.empty());
  }

  /** Where the chain stands after the records read so far. */
  private static final class Chain {
    Optional<String> anchor;
    String prev = GENESIS;
    long seq;
    long records;
    long lastLine;
    /** The head before the last record read, and whether that record is in doubt. */
    String beforeLast = "0:" + GENESIS;
    boolean suspectPrevious;
    boolean anchorMissed;
    /** Several records already read are in doubt: none before the finding is vouched for. */
    boolean inDoubt;

    Chain(Optional<String> anchor) {
      this.anchor = anchor;
    }

    String head() {
      return seq + ":" + prev;
    }

    Optional<Finding> read(Path file) throws IOException {
      try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
        long lineNo = 0;
        Line line;
        while ((line = Line.next(in)) != null) {
          lineNo++;
          lastLine = lineNo;
          Optional<String> wrong = line.terminated()
              ? check(line, lineNo)
              : Optional.of("line " + lineNo + ": truncated (the file ends inside a record)");
          if (wrong.isPresent()) {
            return Optional.of(new Finding(file, lineNo, wrong.get(),
                !anchorMissed && !inDoubt));
          }
        }
        lastLine = lineNo;
        return Optional.empty();
      }
    }

    private Optional<String> check(Line line, long lineNo) {
      Optional<Map<String, String>> parsed = line.tooLong() ? Optional.empty()
          : AuditLine.parse(line.text());
      if (parsed.isEmpty()) {
        return Optional.of("line " + lineNo + ": not an audit record in canonical form"
            + " (edited)");
      }
      Map<String, String> record = parsed.get();
      long recordSeq;
      try {
        recordSeq = Long.parseLong(record.get("seq"));
      } catch (NumberFormatException e) {
        return Optional.of("line " + lineNo + ": record number " + record.get("seq")
            + " is out of range (edited)");
      }
      if (!sha256(AuditLine.canonical(line.text())).equals(record.get("hash"))) {
        return Optional.of("line " + lineNo + ", record " + recordSeq
            + ": edited (its hash does not match its content)");
      }
      if (recordSeq <= seq && seq > 0) {
        // A number read already: a record was inserted (its chain can be made to fit) or the
        // log spliced, and the chain cannot tell the copy it accepted from this one (found by
        // an auditor trial: a forged record 41 put before the real one was called intact).
        if (recordSeq == seq) {
          suspectPrevious = true;
        } else {
          inDoubt = true;
        }
        return Optional.of("line " + lineNo + ": record " + recordSeq + " again, after record "
            + seq + " (records inserted, or the log spliced): " + (recordSeq == seq
                ? "record " + seq + " is in doubt"
                : "records " + recordSeq + " to " + seq + " are in doubt"));
      }
      if (recordSeq != seq + 1) {
        // A rotated log's later file alone starts past record 1.
        String hint = seq == 0
            ? "; if the records before it were rotated into another file, verify that file"
                + " first or give --after SEQ:HASH of its last record" : "";
        return Optional.of("line " + lineNo + ": record " + recordSeq + " where record "
            + (seq + 1) + " belongs (records removed or reordered" + hint + ")");
      }
      if (!record.get("prev").equals(prev)) {
        // Either this record was rewritten, or the one before was (re-hashed consistently
        // with itself): the chain shows the break, not which side of it was changed.
        suspectPrevious = true;
        return Optional.of("line " + lineNo + ", record " + recordSeq
            + ": does not follow record " + seq + " (record " + seq + " or " + recordSeq
            + " was replaced or rewritten)");
      }
      beforeLast = head();
      seq = recordSeq;
      prev = record.get("hash");
      records++;
      if (anchor.isPresent() && anchor.get().startsWith(seq + ":")) {
        if (!anchor.get().equals(head())) {
          anchorMissed = true;
          return Optional.of("line " + lineNo + ", record " + recordSeq + ": not the record"
              + " of the anchor " + anchor.get() + " (its hash is " + prev + "): the log was"
              + " rewritten at or before record " + recordSeq);
        }
        anchor = Optional.empty();
      }
      return Optional.empty();
    }
  }

  /** One line of a file: its text (unless longer than any record) and whether "\n" ended it. */
  private record Line(String text, boolean terminated, boolean tooLong) {
    static Line next(InputStream in) throws IOException {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream(512);
      long length = 0;
      int b;
      while ((b = in.read()) != -1 && b != '\n') {
        if (length++ < MAX_LINE_BYTES) {
          bytes.write(b);
        }
      }
      if (b == -1 && length == 0) {
        return null;
      }
      return new Line(bytes.toString(StandardCharsets.UTF_8), b == '\n',
          length > MAX_LINE_BYTES);
    }
  }

  static String sha256(String text) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
          .digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }
}
