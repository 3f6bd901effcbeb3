package org.smimed.client.admin;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
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
 */
public final class AuditVerifier {
  static final String GENESIS = "0".repeat(64);

  /** The first problem found: the 1-based line, and what is wrong there. */
  public record Finding(int line, String message) {}

  /** The outcome: records read, the last record's "SEQ:HASH", and the first problem if any. */
  public record Result(int records, String head, Optional<Finding> problem) {
    public boolean intact() {
      return problem.isEmpty();
    }
  }

  /** Verifies {@code file}; {@code anchor} ("SEQ:HASH") must then be one of its records. */
  public Result verify(Path file, Optional<String> anchor) throws IOException {
    String text = new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
    String[] lines = text.split("\n", -1);
    String prev = GENESIS;
    long seq = 0;
    int count = lines.length - 1;
    for (int i = 0; i < count; i++) {
      int lineNo = i + 1;
      Optional<Map<String, String>> parsed = AuditLine.parse(lines[i]);
      if (parsed.isEmpty()) {
        return failed(lineNo, seq, prev, "line " + lineNo
            + ": not an audit record in canonical form (edited)");
      }
      Map<String, String> record = parsed.get();
      long recordSeq = Long.parseLong(record.get("seq"));
      if (!sha256(AuditLine.canonical(lines[i])).equals(record.get("hash"))) {
        return failed(lineNo, seq, prev, "line " + lineNo + ", record " + recordSeq
            + ": edited (its hash does not match its content)");
      }
      if (recordSeq != seq + 1) {
        return failed(lineNo, seq, prev, "line " + lineNo + ": record " + recordSeq
            + " where record " + (seq + 1) + " belongs (records removed or reordered)");
      }
      if (!record.get("prev").equals(prev)) {
        return failed(lineNo, seq, prev, "line " + lineNo + ", record " + recordSeq
            + ": does not follow record " + seq + " (a record was replaced or rewritten)");
      }
      seq = recordSeq;
      prev = record.get("hash");
      if (anchor.isPresent() && anchor.get().equals(seq + ":" + prev)) {
        anchor = Optional.empty();
      }
    }
    if (!lines[count].isEmpty()) {
      return failed(count + 1, seq, prev, "line " + (count + 1)
          + ": truncated (the file ends inside a record)");
    }
    if (anchor.isPresent()) {
      return failed(count + 1, seq, prev, "anchor " + anchor.get() + " not found: records"
          + " removed from the end (truncated) or rewritten");
    }
    return new Result(count, seq + ":" + prev, Optional.empty());
  }

  private static Result failed(int line, long seq, String prev, String message) {
    return new Result(line - 1, seq + ":" + prev, Optional.of(new Finding(line, message)));
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
