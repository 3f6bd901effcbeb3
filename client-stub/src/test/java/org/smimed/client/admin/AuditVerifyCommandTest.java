package org.smimed.client.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.smimed.client.admin.SmimectlRunner.Run;

/**
 * {@code smimectl audit verify} on input that is not a log to check: a malformed anchor is a
 * usage error saying what an anchor looks like, an unreadable file is named in words, and an
 * empty log verifies with a warning that it proves nothing.
 */
class AuditVerifyCommandTest {
  @TempDir
  Path dir;

  private static Run verify(Path file, String... options) {
    List<String> args = new ArrayList<>(List.of("audit", "verify", file.toString()));
    args.addAll(List.of(options));
    return SmimectlRunner.run(Map.of(), args.toArray(String[]::new));
  }

  /** A scheduled check with a typo in its subcommand must not pass as exit 0. */
  @Test
  void auditWithoutSubcommand_isUsageError() {
    Run r = SmimectlRunner.run(Map.of(), "audit");

    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("audit needs a subcommand: verify");
  }

  @ParameterizedTest
  @ValueSource(strings = {"xyz", "80", "80:", "0:" + "ab", "-1:abc", "5:xyz"})
  void malformedAnchor_isUsageErrorSayingWhatAnAnchorIs(String anchor) throws Exception {
    Path log = Files.writeString(dir.resolve("audit.log"), "");

    Run r = verify(log, "--anchor", anchor);

    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).startsWith("smimectl: ").contains("'" + anchor + "'",
        "SEQ:HASH", "64 hex digits").doesNotContain("not found");
  }

  @Test
  void missingFile_isNamedInWords() {
    Path absent = dir.resolve("absent.log");

    Run r = verify(absent);

    assertThat(r.exit()).isEqualTo(3);
    assertThat(r.err()).isEqualTo("smimectl: cannot read " + absent + ": no such file\n");
  }

  @Test
  void directory_isNamedInWords() {
    Run r = verify(dir);

    assertThat(r.exit()).isEqualTo(3);
    assertThat(r.err()).isEqualTo("smimectl: cannot read " + dir + ": is a directory\n");
  }

  @Test
  void emptyLog_verifiesWithAWarningThatItProvesNothing() throws Exception {
    Path log = Files.writeString(dir.resolve("audit.log"), "");

    Run r = verify(log);

    assertThat(r.exit()).isZero();
    assertThat(r.out()).startsWith(log + ": intact, 0 records");
    assertThat(r.err()).isEqualTo("smimectl: warning: " + log + " holds no records; an empty"
        + " log proves nothing without --anchor\n");
  }

  /** Found by a security review: the verdict was "For input string", naming no line. */
  @Test
  void aRecordNumberPastEveryLong_isEditedAtItsLine() throws Exception {
    Path log = Files.writeString(dir.resolve("audit.log"), "{\"seq\":" + "9".repeat(30)
        + ",\"time\":\"2026-12-02T18:06:27.905118167Z\",\"requestId\":\"r1\","
        + "\"caller\":\"none\",\"event\":\"SIGN\",\"method\":\"smimed.v1.SigningService/Sign\","
        + "\"identity\":\"\",\"keyVersion\":\"\",\"inputSha256\":\"" + "0".repeat(64)
        + "\",\"outcome\":\"DENIED\",\"status\":\"UNAUTHENTICATED\",\"prev\":\""
        + "0".repeat(64) + "\",\"hash\":\"" + "0".repeat(64) + "\"}\n");

    Run r = verify(log);

    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.out() + r.err()).contains("line 1: record number " + "9".repeat(30)
        + " is out of range (edited)").doesNotContain("For input string");
  }

  /** Found by a review: 19 digits passed the form and exited 1, "tampered". */
  @Test
  void anchorBeyondAnyRecordNumber_isUsageError() throws Exception {
    Path log = Files.writeString(dir.resolve("audit.log"), "");

    Run r = verify(log, "--anchor", "9".repeat(19) + ":" + "ab".repeat(32));

    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("is not an anchor").doesNotContain("For input string");
  }

  @Test
  void emptyLog_withAWellFormedAnchor_isTruncated() throws Exception {
    Path log = Files.writeString(dir.resolve("audit.log"), "");

    Run r = verify(log, "--anchor", "3:" + "AB".repeat(32));

    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).contains("the log ends at record 0, before the anchor 3:"
        + "ab".repeat(32));
  }
}
