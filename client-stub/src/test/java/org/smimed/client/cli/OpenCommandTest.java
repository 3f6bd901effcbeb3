package org.smimed.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.smimed.client.CliRunner;
import org.smimed.client.TestPki;

/**
 * {@code smime open} on saved CMS files, as OpenSSL writes them. Signed layers only: they open
 * without a daemon (encrypted ones are covered in MessageOpenerTest with a software key).
 */
class OpenCommandTest {
  private static final String CONTENT = "Content-Type: text/plain\r\n\r\nPay 100 EUR.\r\n";

  @TempDir Path dir;
  private TestPki pki;

  @BeforeEach
  void setUp() throws Exception {
    pki = TestPki.withAlice(dir, CONTENT);
  }

  private CliRunner.Run open(Path message, String... extra) {
    return CliRunner.runOn("open", message, pki.caCert, extra);
  }

  /** Writes signed-data in {@code outform} (DER or PEM) to signed.p7m. */
  private Path sign(String command, String outform) throws Exception {
    pki.openssl(command, "-sign", "-nodetach", "-binary", "-in", "content.txt", "-signer",
        "alice.pem", "-inkey", "alice.key", "-outform", outform, "-out", "signed.p7m");
    return dir.resolve("signed.p7m");
  }

  /** Found by an outside trial: PEM and bare base64 were refused, DER was taken. */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"cms DER", "cms PEM", "smime PEM", "base64"})
  void open_savedSignedData_verifiesAndWritesTheContent(String form) throws Exception {
    Path saved;
    if (form.equals("base64")) {
      sign("cms", "DER");
      pki.openssl("base64", "-in", "signed.p7m", "-out", "signed.b64");
      saved = dir.resolve("signed.b64");
    } else {
      saved = sign(form.split(" ")[0], form.split(" ")[1]);
    }
    Path out = dir.resolve("inner.txt");

    var run = open(saved, "--out", out.toString());

    assertThat(run.exit()).as(run.stderr()).isZero();
    assertThat(run.stderr()).isEqualTo("layer 1: signed by alice@example.com (verified)\n");
    assertThat(Files.readString(out)).isEqualTo(CONTENT);
  }

  @Test
  void open_truncatedDer_failsWithOneLineAndNoOutput() throws Exception {
    byte[] der = Files.readAllBytes(sign("cms", "DER"));
    Path cut = Files.write(dir.resolve("cut.p7m"), java.util.Arrays.copyOf(der, der.length / 2));
    Path out = dir.resolve("inner.txt");

    var run = open(cut, "--out", out.toString());

    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.stderr()).isEqualTo("smime: the CMS is truncated: expected " + der.length
        + " bytes, got " + der.length / 2 + " (a partial download or copy?)\n");
    assertThat(out).doesNotExist();
  }

  /** An encrypted file cut short is refused here: the daemon would only say it cannot decrypt. */
  @Test
  void open_truncatedEnvelopedDer_isRefusedBeforeTheDaemonIsContacted() throws Exception {
    pki.openssl("cms", "-encrypt", "-aes256", "-in", "content.txt", "-outform", "DER",
        "-out", "enc.der", "alice.pem");
    byte[] der = Files.readAllBytes(dir.resolve("enc.der"));
    Path cut = Files.write(dir.resolve("cut.p7m"), java.util.Arrays.copyOf(der, der.length - 7));
    int closedPort;
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }

    var run = open(cut, "--plaintext", "--target", "localhost:" + closedPort);

    // No UNAVAILABLE: the closed port was never tried.
    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.stderr()).endsWith("smime: the CMS is truncated: expected " + der.length
        + " bytes, got " + (der.length - 7) + " (a partial download or copy?)\n");
  }

  @Test
  void open_pemBrokenFurtherOn_failsNamingTheLine() throws Exception {
    Path pem = sign("cms", "PEM");
    Files.writeString(pem, Files.readString(pem).replaceFirst("\n", "\n*"));

    var run = open(pem);

    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.stderr()).isEqualTo("smime: malformed PEM CMS: '*' is not base64 (line 2)\n");
  }

  @Test
  void open_garbage_failsAsNoSmimeLayer() throws Exception {
    Path garbage = Files.writeString(dir.resolve("garbage.txt"), "just some text\n");

    var run = open(garbage);

    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.stderr())
        .isEqualTo("smime: not an S/MIME message: no signed or encrypted layer\n");
  }
}
