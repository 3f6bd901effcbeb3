package org.smimed.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.smimed.client.CliRunner;
import org.smimed.client.TestPki;

/**
 * {@code smime decrypt} on input that is none of the forms it takes: refused on the client,
 * before the daemon (here: a closed port) is asked. Decryption of each saved form runs against
 * the real daemon in the daemon module's SmimeCliEncryptionIT, and with a software key in
 * EncryptedMessageReaderTest.
 */
class DecryptCommandTest {
  @TempDir Path dir;
  private TestPki pki;
  private int closedPort;

  @BeforeEach
  void setUp() throws Exception {
    pki = TestPki.withAlice(dir, "Content-Type: text/plain\r\n\r\nhello\r\n");
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
  }

  private CliRunner.Run decrypt(Path in, Path out) {
    return CliRunner.run(new byte[0], "decrypt", "--in", in.toString(), "--out",
        out.toString(), "--plaintext", "--target", "localhost:" + closedPort, "--deadline", "20");
  }

  /** Standard error without its first line, --plaintext's warning. */
  private static String failure(CliRunner.Run run) {
    return run.stderr().lines().skip(1).reduce("", (a, b) -> a + b + "\n");
  }

  @Test
  void decrypt_garbage_failsAsNotSmime() throws Exception {
    Path garbage = Files.writeString(dir.resolve("garbage.txt"), "just some text\n");
    Path out = dir.resolve("plain.txt");

    var run = decrypt(garbage, out);

    assertThat(run.exit()).isEqualTo(1);
    assertThat(failure(run)).isEqualTo("smime: not an S/MIME message: no Content-Type\n");
    assertThat(out).doesNotExist();
  }

  /** Found by an outside trial: bare base64 is taken now, so it must be base64 throughout. */
  @Test
  void decrypt_base64CutOff_failsNamingTheFault() throws Exception {
    pki.openssl("cms", "-encrypt", "-aes256", "-in", "content.txt", "-outform", "DER",
        "-out", "enc.der", "alice.pem");
    pki.openssl("base64", "-in", "enc.der", "-out", "enc.b64");
    Path text = dir.resolve("enc.b64");
    String base64 = Files.readString(text, StandardCharsets.US_ASCII).strip();
    Files.writeString(text, base64.substring(0, base64.length() - 3));
    Path out = dir.resolve("plain.txt");

    var run = decrypt(text, out);

    assertThat(run.exit()).isEqualTo(1);
    assertThat(failure(run)).isEqualTo("smime: malformed base64 CMS: the text is cut off"
        + " inside a group of four characters\n");
    assertThat(out).doesNotExist();
  }

  @Test
  void decrypt_pemOfACertificate_saysWhatItIs() throws Exception {
    Path out = dir.resolve("plain.txt");

    var run = decrypt(pki.cert("alice"), out);

    assertThat(run.exit()).isEqualTo(1);
    assertThat(failure(run)).isEqualTo("smime: not CMS: a PEM CERTIFICATE block (expected"
        + " -----BEGIN CMS-----, -----BEGIN PKCS7----- or gpgsm's -----BEGIN ENCRYPTED"
        + " MESSAGE----- / -----BEGIN SIGNED MESSAGE-----)\n");
    assertThat(out).doesNotExist();
  }

  @Test
  void decrypt_derCutShort_failsLocallyNamingTheFile() throws Exception {
    pki.openssl("cms", "-encrypt", "-aes256", "-in", "content.txt", "-outform", "DER",
        "-out", "enc.der", "alice.pem");
    Path der = dir.resolve("enc.der");
    byte[] whole = Files.readAllBytes(der);
    Files.write(der, java.util.Arrays.copyOf(whole, whole.length - 10));
    Path out = dir.resolve("plain.txt");

    var run = decrypt(der, out);

    // Said before the (closed) daemon port is tried: nothing was sent.
    assertThat(run.exit()).isEqualTo(1);
    assertThat(failure(run)).isEqualTo("smime: " + der + " is truncated: expected "
        + whole.length + " bytes, got " + (whole.length - 10) + "\n");
    assertThat(out).doesNotExist();
  }

  /** A new-user trial: this was "smime: I/O error: Base64 stream has one un-decoded ...". */
  @Test
  void decrypt_base64BodyCutInsideAByte_failsLocallySayingItIsCutShort() throws Exception {
    pki.openssl("smime", "-encrypt", "-aes256", "-in", "content.txt", "-out", "enc.eml",
        "alice.pem");
    String whole = Files.readString(dir.resolve("enc.eml"));
    int body = whole.indexOf("\n\n") + 2;
    int letters = 0;
    int cut = body;
    while (letters < 101 || letters % 4 != 1) {
      if (Character.isLetterOrDigit(whole.charAt(cut)) || "+/".indexOf(whole.charAt(cut)) >= 0) {
        letters++;
      }
      cut++;
    }
    Path eml = dir.resolve("cut.eml");
    Files.writeString(eml, whole.substring(0, cut));
    Path out = dir.resolve("plain.txt");

    var run = decrypt(eml, out);

    assertThat(run.exit()).isEqualTo(1);
    assertThat(failure(run)).isEqualTo("smime: the base64 body ends in the middle of a byte:"
        + " the message is cut short (a partial download or copy?)\n");
    assertThat(out).doesNotExist();
  }

  @Test
  void decrypt_indefiniteLengthBer_goesToTheDaemon() throws Exception {
    pki.openssl("cms", "-encrypt", "-aes256", "-stream", "-in", "content.txt", "-outform",
        "DER", "-out", "enc.ber", "alice.pem");
    Path ber = dir.resolve("enc.ber");
    assertThat(Files.readAllBytes(ber)[1]).isEqualTo((byte) 0x80);
    Path out = dir.resolve("plain.txt");

    var run = decrypt(ber, out);

    // Taken as CMS and sent: only the closed port stops it.
    assertThat(run.exit()).isEqualTo(1);
    assertThat(failure(run)).startsWith("smime: decryption failed (UNAVAILABLE");
    assertThat(out).doesNotExist();
  }
}
