package org.smimed.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.smimed.client.CliRunner;
import org.smimed.client.TestPki;

/** "-" for --in and --out is standard input and output, in every subcommand that has them. */
class IoOptionsTest {
  private static final String CONTENT =
      "Content-Type: text/plain\r\n\r\nPay 100 EUR to account 1234.\r\n";
  private static final String MESSAGE = "From: alice@example.com\r\nTo: bob@example.com\r\n"
      + "Subject: dash\r\n" + CONTENT;
  /** Where a file literally named "-" would land: the tests' working directory. */
  private static final Path DASH_FILE = Path.of("-");

  @TempDir Path dir;
  private TestPki pki;

  @BeforeEach
  void setUp() throws Exception {
    pki = TestPki.withAlice(dir, CONTENT);
  }

  private byte[] openSslSigned() throws Exception {
    pki.openssl("smime", "-sign", "-in", "content.txt", "-signer", "alice.pem", "-inkey",
        "alice.key", "-from", "alice@example.com", "-out", "signed.eml");
    return Files.readAllBytes(dir.resolve("signed.eml"));
  }

  private static int closedPort() throws Exception {
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  @Test
  void verify_dashInAndOut_readsStdinAndWritesTheContentToStdout() throws Exception {
    var run = CliRunner.run(openSslSigned(), "verify", "--in", "-", "--out", "-",
        "--trust", pki.caCert.toString());

    assertThat(run.exit()).as(run.stderr()).isZero();
    assertThat(run.stderr()).contains("Verified: signer alice@example.com");
    assertThat(run.stdoutText()).isEqualTo(CONTENT);
    assertThat(DASH_FILE).doesNotExist();
  }

  @Test
  void open_dashInAndOut_readsStdinAndWritesTheEntityToStdout() throws Exception {
    var run = CliRunner.run(openSslSigned(), "open", "--in", "-", "--out", "-",
        "--trust", pki.caCert.toString());

    assertThat(run.exit()).as(run.stderr()).isZero();
    assertThat(run.stderr()).isEqualTo("layer 1: signed by alice@example.com (verified)\n");
    assertThat(run.stdoutText()).isEqualTo(CONTENT);
    assertThat(DASH_FILE).doesNotExist();
  }

  @Test
  void encrypt_dashInAndOut_readsStdinAndWritesTheMessageToStdout() throws Exception {
    var run = CliRunner.run(MESSAGE.getBytes(StandardCharsets.US_ASCII), "encrypt",
        "--in", "-", "--out", "-", "--recipient", pki.cert("alice").toString());

    assertThat(run.exit()).as(run.stderr()).isZero();
    assertThat(DASH_FILE).doesNotExist();
    Files.write(dir.resolve("enc.eml"), run.stdout());
    TestPki.Result r = pki.run("cms", "-decrypt", "-in", "enc.eml", "-recip", "alice.pem",
        "-inkey", "alice.key", "-binary", "-out", "dec.out");
    assertThat(r.exit()).as(r.stderr()).isZero();
    assertThat(Files.readString(dir.resolve("dec.out"))).isEqualTo(CONTENT);
  }

  @Test
  void verify_fileInDashOut_writesStdoutAndNoFileNamedDash() throws Exception {
    openSslSigned();

    var run = CliRunner.run(new byte[0], "verify", "--in", dir.resolve("signed.eml").toString(),
        "--out", "-", "--trust", pki.caCert.toString());

    assertThat(run.exit()).as(run.stderr()).isZero();
    assertThat(run.stdoutText()).isEqualTo(CONTENT);
    assertThat(DASH_FILE).doesNotExist();
  }

  /**
   * Each daemon command gets past reading "-" (the failure is the connection, not "cannot read
   * input -") and, having failed, writes nothing to standard output and no file named "-".
   */
  @ParameterizedTest
  @ValueSource(strings = {"sign", "decrypt", "triple-wrap"})
  void daemonCommand_dashInAndOut_failingCall_writesNothing(String command) throws Exception {
    byte[] stdin = command.equals("decrypt") ? encryptedMessage()
        : MESSAGE.getBytes(StandardCharsets.US_ASCII);
    var args = new java.util.ArrayList<>(java.util.List.of(command, "--in", "-", "--out", "-",
        "--plaintext", "--target", "localhost:" + closedPort(), "--deadline", "20"));
    if (!command.equals("decrypt")) {
      args.addAll(java.util.List.of("--identity", "alice@example.com"));
    }
    if (command.equals("triple-wrap")) {
      args.addAll(java.util.List.of("--recipient", pki.cert("alice").toString()));
    }

    var run = CliRunner.run(stdin, args.toArray(String[]::new));

    assertThat(run.exit()).as(run.stderr()).isEqualTo(1);
    assertThat(run.stderr()).doesNotContain("cannot read input").contains("UNAVAILABLE");
    assertThat(run.stdout()).isEmpty();
    assertThat(DASH_FILE).doesNotExist();
  }

  @Test
  void outPathEndingInDash_isAFileOfThatName() throws Exception {
    Path dash = dir.resolve("-");

    var run = CliRunner.run(openSslSigned(), "verify", "--out", dash.toString(),
        "--trust", pki.caCert.toString());

    assertThat(run.exit()).as(run.stderr()).isZero();
    assertThat(run.stdout()).isEmpty();
    assertThat(Files.readString(dash)).isEqualTo(CONTENT);
  }

  private byte[] encryptedMessage() throws Exception {
    var run = CliRunner.run(MESSAGE.getBytes(StandardCharsets.US_ASCII), "encrypt",
        "--recipient", pki.cert("alice").toString());
    assertThat(run.exit()).as(run.stderr()).isZero();
    return run.stdout();
  }
}
