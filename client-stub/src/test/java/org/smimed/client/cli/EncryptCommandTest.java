package org.smimed.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.smimed.client.CliRunner;
import org.smimed.client.TestPki;
import org.smimed.client.mime.MimeInput;

class EncryptCommandTest {
  private static final String MESSAGE = "From: billing@example.com\nTo: alice@example.com\n"
      + "Subject: secret\nContent-Type: text/plain; charset=utf-8\n"
      + "Content-Transfer-Encoding: 8bit\n\nGrüße, the numbers are 1 2 3.\n";

  @TempDir Path dir;
  private TestPki pki;

  @BeforeEach
  void setUp() throws Exception {
    pki = TestPki.create(dir);
    pki.issueEmail("alice", "alice@example.com", "rsa");
    pki.issueEmail("bob", "bob@example.com", "ec");
    Files.write(dir.resolve("in.eml"), MESSAGE.getBytes(StandardCharsets.UTF_8));
  }

  private byte[] expectedEntity() {
    return MimeInput.parse(MESSAGE.getBytes(StandardCharsets.UTF_8)).entity();
  }

  private void encrypt(String cipher, String recipientId, String... recipients) {
    var args = new java.util.ArrayList<>(java.util.List.of("encrypt", "--in",
        dir.resolve("in.eml").toString(), "--out", dir.resolve("enc.eml").toString(),
        "--cipher", cipher, "--recipient-id", recipientId));
    for (String r : recipients) {
      args.add("--recipient");
      args.add(pki.cert(r).toString());
    }
    var run = CliRunner.run(new byte[0], args.toArray(String[]::new));
    assertThat(run.exit()).as(run.stderr()).isZero();
  }

  private byte[] openSslDecrypt(String recipient) throws Exception {
    TestPki.Result r = pki.run("cms", "-decrypt", "-in", "enc.eml", "-recip",
        recipient + ".pem", "-inkey", recipient + ".key", "-binary", "-out", "dec.out");
    assertThat(r.exit()).as(r.stderr()).isZero();
    return Files.readAllBytes(dir.resolve("dec.out"));
  }

  @ParameterizedTest
  @CsvSource({"aes256-gcm,alice", "aes128-gcm,alice", "aes256-cbc,alice", "aes128-cbc,alice",
      "aes256-gcm,bob", "aes256-cbc,bob", "aes128-gcm,bob"})
  void encrypt_decryptsWithOpenSslToTheExactEntity(String cipher, String recipient)
      throws Exception {
    encrypt(cipher, "issuer-serial", recipient);

    assertThat(openSslDecrypt(recipient)).isEqualTo(expectedEntity());
    String header = Files.readString(dir.resolve("enc.eml"), StandardCharsets.ISO_8859_1);
    assertThat(header).startsWith("From: billing@example.com\r\nTo: alice@example.com\r\n")
        .contains("smime-type=" + (cipher.endsWith("gcm") ? "authEnveloped-data"
            : "enveloped-data") + "; name=smime.p7m")
        .doesNotContain("Grüße").doesNotContain("numbers");
  }

  @Test
  void encrypt_severalRecipientsBySki_eachDecrypts() throws Exception {
    encrypt("aes256-gcm", "ski", "alice", "bob");

    assertThat(openSslDecrypt("alice")).isEqualTo(expectedEntity());
    assertThat(openSslDecrypt("bob")).isEqualTo(expectedEntity());
    String asn1 = new String(pki.openssl("cms", "-cmsout", "-print", "-in", "enc.eml"),
        StandardCharsets.ISO_8859_1);
    assertThat(asn1).contains("subjectKeyIdentifier").doesNotContain("issuerAndSerialNumber");
  }

  @Test
  void encrypt_ecRecipient_usesSha256KdfAndAes256Wrap() throws Exception {
    encrypt("aes256-gcm", "issuer-serial", "bob");

    String asn1 = new String(pki.openssl("cms", "-cmsout", "-print", "-in", "enc.eml"),
        StandardCharsets.ISO_8859_1);
    assertThat(asn1).contains("dhSinglePass-stdDH-sha256kdf-scheme").contains("id-aes256-wrap");
  }
}
