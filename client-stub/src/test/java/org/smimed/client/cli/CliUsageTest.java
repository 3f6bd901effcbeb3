package org.smimed.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.smimed.client.CliRunner;

class CliUsageTest {

  @ParameterizedTest
  @ValueSource(strings = {"sign", "encrypt", "decrypt", "verify", "triple-wrap", "open"})
  void help_forEachSubcommand_exitsZeroAndPrintsUsage(String command) {
    var run = CliRunner.run(new byte[0], command, "--help");

    assertThat(run.exit()).isZero();
    // Exit codes in every --help, as smimectl's (found by a README trial: smime had none).
    assertThat(run.stdoutText()).contains("Usage: smime " + command).contains("--in=FILE")
        .contains("Exit codes:").contains("bad usage");
  }

  /** The subcommands without --in: they read no message, only the daemon's answer. */
  @ParameterizedTest
  @ValueSource(strings = {"identities", "limits"})
  void help_ofTheDaemonQueries_exitsZeroAndPrintsUsageWithTheExitCodes(String command) {
    var run = CliRunner.run(new byte[0], command, "--help");

    assertThat(run.exit()).isZero();
    assertThat(run.stdoutText()).contains("Usage: smime " + command).contains("--target")
        .contains("Exit codes:").contains("bad usage");
  }

  @Test
  void help_ofSmime_listsTheExitCodes() {
    var run = CliRunner.run(new byte[0], "--help");

    assertThat(run.exit()).isZero();
    assertThat(run.stdoutText()).contains("Exit codes:").contains("the operation failed");
  }

  /** Found by a CLI review: the typo was hidden behind the top-level help, exit 0. */
  @Test
  void anUnknownCommand_withHelp_isStillAUsageError() {
    var run = CliRunner.run(new byte[0], "sing", "--help");

    assertThat(run.exit()).isEqualTo(2);
    assertThat(run.stderr()).startsWith("smime: Unmatched argument at index 0: 'sing'");
  }

  /** Found by a review: "smime help sign" said --identity was missing. */
  @Test
  void helpCommand_printsTheSubcommandsUsage() {
    var run = CliRunner.run(new byte[0], "help", "sign");

    assertThat(run.exit()).isZero();
    assertThat(run.stdoutText()).startsWith("Usage: smime sign");
  }

  /** A wrong port reads differently from a wrong host or a TLS failure: the transport says. */
  @Test
  void sign_toAClosedPort_namesTheRefusedConnectionOnOneLine() throws Exception {
    int port;
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    var run = CliRunner.run("Subject: x\n\nhello\n".getBytes(), "sign", "--plaintext",
        "--identity", "a@example.com", "--target", "localhost:" + port, "--deadline", "20");

    assertThat(run.exit()).isEqualTo(1);
    // The first line is --plaintext's warning; the failure is one line.
    assertThat(run.stderr()).hasLineCount(2);
    assertThat(run.stderr().lines().toList().get(1))
        .startsWith("smime: signing failed (UNAVAILABLE: io exception: ")
        .contains("Connection refused").endsWith(port + "); nothing listens at --target (or"
            + " SMIME_TARGET): is the daemon running, and is that its client port (listen.port,"
            + " 8443 by default)?");
  }

  /** Found by an outside trial: each command said "nothing" in its own words. */
  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {"decrypt", "verify", "open",
      "sign", "encrypt", "triple-wrap"})
  void emptyInput_isRefusedAsEmpty(String command,
      @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    java.nio.file.Path empty = java.nio.file.Files.createFile(dir.resolve("empty.eml"));
    var pki = org.smimed.client.TestPki.create(dir);
    pki.issueEmail("bob", "bob@example.com", "ec");
    java.nio.file.Path ca = pki.caCert;
    String bob = pki.cert("bob").toString();
    java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of(command,
        "--in", empty.toString()));
    args.addAll(switch (command) {
      case "verify", "open" -> java.util.List.of("--trust", ca.toString());
      case "sign" -> java.util.List.of("--identity", "a@example.com", "--plaintext");
      case "encrypt" -> java.util.List.of("--recipient", bob);
      case "triple-wrap" -> java.util.List.of("--identity", "a@example.com", "--recipient",
          bob, "--plaintext");
      default -> java.util.List.of("--plaintext");
    });

    var run = CliRunner.run(new byte[0], args.toArray(String[]::new));

    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.stderr()).endsWith("smime: " + empty + " is empty\n");
  }

  /** Usage errors come first: an empty input with a missing --ca is still exit 2. */
  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {"decrypt", "sign"})
  void emptyInputAndAMissingCa_isTheUsageError(String command) {
    var run = command.equals("sign")
        ? CliRunner.run(new byte[0], "sign", "--identity", "a@example.com")
        : CliRunner.run(new byte[0], "decrypt");

    assertThat(run.exit()).isEqualTo(2);
    assertThat(run.stderr()).contains("--ca (or SMIME_CA) is required for TLS")
        .doesNotContain("is empty");
  }

  /**
   * A message/rfc822 part's body cannot be re-encoded (RFC 2046 section 5.2.1): signed as it
   * is, its 8-bit data would not survive a relay's conversion.
   */
  @Test
  void sign_multipartWithAnEightBitMessagePart_warnsBeforeSigning() throws Exception {
    byte[] message = ("Content-Type: multipart/mixed; boundary=b\n\n--b\n"
        + "Content-Type: message/rfc822\nContent-Transfer-Encoding: 8bit\n\n"
        + "Subject: fwd\n\nGr\u00fc\u00dfe\n--b--\n")
        .getBytes(java.nio.charset.StandardCharsets.UTF_8);

    var run = CliRunner.run(message, "sign", "--plaintext", "--identity", "a@example.com",
        "--target", "localhost:" + closedPort(), "--deadline", "20");

    // After --plaintext's warning, before the (closed port's) failure.
    var lines = run.stderr().lines().toList();
    assertThat(lines).hasSize(3);
    assertThat(lines.get(1)).startsWith("smime: warning: the entity keeps 8-bit data")
        .contains("--encapsulate");
    assertThat(lines.get(2)).startsWith("smime: signing failed");
  }

  /** Parts labelled 8bit are re-encoded for signing: nothing is left to warn of. */
  @Test
  void sign_sevenBitMultipart_orEncapsulated_orEightBitParts_doesNotWarn() throws Exception {
    byte[] sevenBit = "Content-Type: multipart/mixed; boundary=b\n\n--b\n\nhello\n--b--\n"
        .getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    byte[] labelled = ("Content-Type: multipart/mixed; boundary=b\n\n--b\n"
        + "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n"
        + "Gr\u00fc\u00dfe\n--b--\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);
    byte[] eightBit = "Content-Type: multipart/mixed; boundary=b\n\n--b\n\nh\u00e9\n--b--\n"
        .getBytes(java.nio.charset.StandardCharsets.UTF_8);
    int port = closedPort();

    var detached = CliRunner.run(sevenBit, "sign", "--plaintext", "--identity", "a@example.com",
        "--target", "localhost:" + port, "--deadline", "20");
    var encapsulated = CliRunner.run(eightBit, "sign", "--encapsulate", "--plaintext",
        "--identity", "a@example.com", "--target", "localhost:" + port, "--deadline", "20");

    var reEncoded = CliRunner.run(labelled, "sign", "--plaintext", "--identity",
        "a@example.com", "--target", "localhost:" + port, "--deadline", "20");

    assertThat(detached.stderr()).doesNotContain("warning: the entity keeps");
    assertThat(encapsulated.stderr()).doesNotContain("warning: the entity keeps");
    assertThat(reEncoded.stderr()).doesNotContain("warning: the entity keeps");
  }

  private static int closedPort() throws java.io.IOException {
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  /** Found by an outside trial: the path alone, without saying what was wrong with it. */
  @Test
  void clientCertificateThatIsNotThere_isNamedAsMissing(@org.junit.jupiter.api.io.TempDir
      java.nio.file.Path dir) throws Exception {
    var pki = org.smimed.client.TestPki.create(dir);
    pki.issueEmail("client", "client@example.com", "ec");
    java.nio.file.Path absent = dir.resolve("absent.crt");

    var run = CliRunner.run("Subject: x\n\nhello\n".getBytes(), "sign", "--identity",
        "a@example.com", "--target", "localhost:1", "--ca", pki.caCert.toString(),
        "--cert", absent.toString(), "--key", pki.key("client").toString());

    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.stderr()).isEqualTo("smime: cannot set up TLS: no such file: " + absent
        + "\n");
  }

  /**
   * Two key files side by side make the mistake easy; the handshake would only say "io exception".
   */
  @Test
  void clientKeyOfAnotherCertificate_isRefusedBeforeConnecting(@org.junit.jupiter.api.io.TempDir
      java.nio.file.Path dir) throws Exception {
    var pki = org.smimed.client.TestPki.create(dir);
    pki.issueEmail("client", "client@example.com", "ec");
    pki.issueEmail("officer", "officer@example.com", "ec");

    var run = CliRunner.run("Subject: x\n\nhello\n".getBytes(), "sign", "--identity",
        "a@example.com", "--target", "localhost:1", "--ca", pki.caCert.toString(),
        "--cert", pki.cert("client").toString(), "--key", pki.key("officer").toString());

    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.stderr()).isEqualTo("smime: cannot set up TLS: the client key "
        + pki.key("officer") + " does not belong to the certificate " + pki.cert("client")
        + "\n");
  }

  @Test
  void quietGrpc_silencesGrpcsOwnLoggingForTheCommandOnly() {
    java.util.logging.Logger grpc = java.util.logging.Logger.getLogger("io.grpc");
    java.util.logging.Level before = grpc.getLevel();

    int code = QuietGrpc.run(() -> java.util.logging.Logger
        .getLogger("io.grpc.internal.ManagedChannelImpl")
        .isLoggable(java.util.logging.Level.SEVERE) ? 1 : 7);

    assertThat(code).isEqualTo(7);
    assertThat(grpc.getLevel()).isEqualTo(before);
  }

  /** A wrong value names the valid ones, not the Java exception behind the refusal. */
  @ParameterizedTest
  @ValueSource(strings = {"open --sender-check bogus", "sign --identity a@b --digest md5",
      "sign --identity a@b --scheme rsa", "triple-wrap --identity a@b --scheme ecdsa",
      "encrypt --recipient x.pem --cipher des", "encrypt --recipient x.pem --recipient-id bogus"})
  void badOptionValue_isUsageErrorListingTheValidValues(String line) {
    var run = CliRunner.run(new byte[0], line.split(" "));

    assertThat(run.exit()).isEqualTo(2);
    assertThat(run.stderr()).startsWith("smime: Invalid value for option")
        .doesNotContain("Exception").doesNotContain("java.").hasLineCount(1);
  }

  @Test
  void version_printsVersion() {
    var run = CliRunner.run(new byte[0], "--version");

    assertThat(run.exit()).isZero();
    assertThat(run.stdoutText()).startsWith("smime ");
  }

  @Test
  void sign_withoutIdentity_isUsageErrorOnOneLine() {
    var run = CliRunner.run(new byte[0], "sign", "--plaintext");

    assertThat(run.exit()).isEqualTo(2);
    assertThat(run.stderr()).startsWith("smime: Missing required option: '--identity=IDENTITY'")
        .hasLineCount(1);
  }

  @Test
  void unknownOption_isUsageError() {
    var run = CliRunner.run(new byte[0], "encrypt", "--bogus");

    assertThat(run.exit()).isEqualTo(2);
    assertThat(run.stderr()).startsWith("smime: ").hasLineCount(1);
  }

  @Test
  void misspeltRequiredOption_namesTheMisspellingNotTheMissingOption() {
    var run = CliRunner.run(new byte[0], "sign", "--idnetity", "a@x", "--plaintext");

    assertThat(run.exit()).isEqualTo(2);
    assertThat(run.stderr()).startsWith("smime: Unknown options: '--idnetity', 'a@x'")
        .hasLineCount(1);
  }

  @Test
  void noSubcommand_isUsageError() {
    assertThat(CliRunner.run(new byte[0]).exit()).isEqualTo(2);
  }

  @Test
  void badCipher_isUsageError() {
    var run = CliRunner.run(new byte[0], "encrypt", "--recipient", "x.pem", "--cipher", "des");

    assertThat(run.exit()).isEqualTo(2);
    assertThat(run.stderr()).contains("unknown cipher des").hasLineCount(1);
  }

  @Test
  void verify_missingInputFile_failsWithOneLineReason() {
    var run = CliRunner.run(new byte[0], "verify", "--in", "/nonexistent/msg.eml",
        "--trust", "/nonexistent/ca.pem");

    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.stderr()).startsWith("smime: cannot read certificates from /nonexistent/ca.pem")
        .hasLineCount(1);
  }

  /** A new-user trial: a private key given as --trust was "signed fields invalid". */
  @Test
  void verify_aKeyGivenAsTrust_isNamedAsSuch(
      @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
      throws Exception {
    java.nio.file.Path key = java.nio.file.Files.writeString(dir.resolve("ext.key"),
        "-----BEGIN PRIVATE"
        + " KEY-----\nMIIBVQIBADANBgkqhkiG9w0BAQEFAASCAT8=\n-----END PRIVATE KEY-----\n");
    var run = CliRunner.run(new byte[0], "verify", "--in", "/nonexistent/msg.eml",
        "--trust", key.toString());

    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.stderr()).isEqualTo("smime: cannot read certificates from " + key
        + ": it holds a PEM PRIVATE KEY, not a certificate (-----BEGIN CERTIFICATE-----)\n");
  }

  @Test
  void decrypt_missingInputFile_failsWithOneLineReason() {
    var run = CliRunner.run(new byte[0], "decrypt", "--plaintext", "--in", "/nonexistent/m.eml");

    // After --plaintext's warning: the connection options are checked first.
    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.stderr().lines().skip(1).toList())
        .containsExactly("smime: cannot read input /nonexistent/m.eml: no such file or not"
            + " readable");
  }

  @Test
  void sign_tlsWithoutCa_isUsageError() {
    var run = CliRunner.run("x".getBytes(), java.util.Map.of(), "sign", "--identity", "a@b.c");

    assertThat(run.exit()).isEqualTo(2);
    assertThat(run.stderr()).contains("--ca (or SMIME_CA) is required").hasLineCount(1);
  }

  @Test
  void open_maxLayersBelowOne_isUsageError() {
    var run = CliRunner.run(new byte[0], "open", "--trust", "ca.pem", "--max-layers", "0");

    assertThat(run.exit()).isEqualTo(2);
    assertThat(run.stderr()).startsWith("smime: --max-layers must be >= 1").hasLineCount(1);
  }

  @Test
  void tripleWrap_withoutIdentity_isUsageError() {
    var run = CliRunner.run(new byte[0], "triple-wrap", "--plaintext", "--recipient", "x.pem");

    assertThat(run.exit()).isEqualTo(2);
    assertThat(run.stderr()).startsWith("smime: Missing required option: '--identity=IDENTITY'")
        .hasLineCount(1);
  }

  @Test
  void connection_withoutCa_orCertWithoutKey_orZeroDeadline_isUsageError() {
    var noCa = CliRunner.run(new byte[0], "sign", "--identity", "a@example.com");
    var half = CliRunner.run(new byte[0], Map.of("SMIME_CA", "ca.pem", "SMIME_CERT", "c.pem"),
        "sign", "--identity", "a@example.com");
    var deadline = CliRunner.run(new byte[0], "sign", "--identity", "a@example.com",
        "--plaintext", "--deadline", "0");

    assertThat(noCa.exit()).isEqualTo(2);
    assertThat(noCa.stderr()).contains("--ca (or SMIME_CA) is required for TLS");
    assertThat(half.exit()).isEqualTo(2);
    assertThat(half.stderr()).contains("--cert and --key go together");
    assertThat(deadline.exit()).isEqualTo(2);
    assertThat(deadline.stderr()).contains("--deadline must be positive");
  }

  /** A new-user trial: gRPC's own deadline text named its internals, not --deadline. */
  @Test
  void aDaemonThatNeverAnswers_saysToGiveALongerDeadline() throws Exception {
    try (java.net.ServerSocket silent = new java.net.ServerSocket(0)) {
      var run = CliRunner.run("x".getBytes(java.nio.charset.StandardCharsets.US_ASCII),
          "sign", "--identity", "a@example.com", "--plaintext",
          "--target", "localhost:" + silent.getLocalPort(), "--deadline", "1");

      assertThat(run.exit()).isEqualTo(1);
      assertThat(run.stderr()).contains("(no answer within --deadline, DEADLINE_EXCEEDED);"
          + " a large message takes as long as its bytes take to cross: give a longer"
          + " --deadline (seconds)\n");
    }
  }

  @Test
  void plaintext_warnsEveryTime() {
    var run = CliRunner.run("x".getBytes(java.nio.charset.StandardCharsets.US_ASCII),
        "sign", "--identity", "a@example.com", "--plaintext", "--target", "127.0.0.1:9",
        "--deadline", "2");

    assertThat(run.stderr()).contains("smime: warning: --plaintext sends everything"
        + " unencrypted; development only");
    assertThat(run.exit()).isNotZero();
  }
}
