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

class VerifyCommandTest {
  private static final String CONTENT =
      "Content-Type: text/plain\r\n\r\nPay 100 EUR to account 1234.\r\n";

  @TempDir Path dir;
  private TestPki pki;

  @BeforeEach
  void setUp() throws Exception {
    pki = TestPki.withAlice(dir, CONTENT);
  }

  private CliRunner.Run verify(Path message, String... extra) {
    return CliRunner.runOn("verify", message, pki.caCert, extra);
  }

  private Path openSslSign(String... extra) throws Exception {
    return VerifySenderTest.signedByAlice(pki, dir, extra);
  }

  @Test
  void verify_openSslSignedMessage_printsSignerAndWritesContent() throws Exception {
    Path signed = openSslSign();
    Path out = dir.resolve("verified.txt");

    var run = verify(signed, "--out", out.toString());

    assertThat(run.exit()).as(run.stderr()).isZero();
    assertThat(run.stderr()).contains(
        "Verified: signer alice@example.com (EMAILADDRESS=alice@example.com,CN=alice)")
        .contains("digest sha-256");
    assertThat(Files.readString(out)).isEqualTo(CONTENT);
  }

  @Test
  void verify_signerWithoutEmailAddress_isNamedBySubjectAlone() throws Exception {
    pki.openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048",
        "-out", "plain.key");
    pki.openssl("req", "-new", "-key", "plain.key", "-subj", "/CN=Billing Robot",
        "-out", "plain.csr");
    Files.writeString(dir.resolve("plain.ext"),
        "keyUsage=critical,digitalSignature\nextendedKeyUsage=emailProtection\n");
    pki.openssl("x509", "-req", "-in", "plain.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
        "-CAcreateserial", "-days", "2", "-extfile", "plain.ext", "-out", "plain.pem");
    pki.openssl("smime", "-sign", "-in", "content.txt", "-signer", "plain.pem", "-inkey",
        "plain.key", "-out", "plain.eml");

    var run = verify(dir.resolve("plain.eml"));

    assertThat(run.stderr()).contains("Verified: signer CN=Billing Robot\n");
  }

  @org.junit.jupiter.params.ParameterizedTest(name = "{0}")
  @org.junit.jupiter.params.provider.CsvSource({"md5, MD5", "sha1, SHA-1"})
  void verify_signatureOverAWeakDigest_verifiesWithAWarningNamingIt(String md, String name)
      throws Exception {
    Path signed = openSslSign("-md", md);

    var run = verify(signed);

    assertThat(run.exit()).as(run.stderr()).isZero();
    assertThat(run.stderr()).contains("smime: warning: the signature uses " + name
        + ", a digest open to collisions").contains("digest " + name.toLowerCase());
  }

  /**
   * AS2 and HTTP carry multipart/signed with binary parts: the signed entity's bare LFs and
   * the DER signature's CR and LF bytes are data, not line ends, and must reach the verifier
   * unchanged (a canonicalised copy fails the digest and breaks the DER).
   */
  @Test
  void verify_multipartSignedWithBinaryParts_keepsThemByteForByte() throws Exception {
    byte[] entity = concat("Content-Type: application/octet-stream\r\n"
        + "Content-Transfer-Encoding: binary\r\n\r\n", new byte[] {'a', '\n', 'b', '\r', 0,
            (byte) 0xff, '\n', '\n', 'c'});
    Files.write(dir.resolve("entity.bin"), entity);
    pki.openssl("cms", "-sign", "-binary", "-in", "entity.bin", "-signer", "alice.pem",
        "-inkey", "alice.key", "-outform", "DER", "-out", "sig.der");
    byte[] der = Files.readAllBytes(dir.resolve("sig.der"));
    Path signed = dir.resolve("as2.msg");
    Files.write(signed, concat("From: alice@example.com\r\nMIME-Version: 1.0\r\n"
        + "Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\";"
        + " micalg=sha-256; boundary=\"b1\"\r\n\r\n--b1\r\n", entity,
        "\r\n--b1\r\nContent-Type: application/pkcs7-signature\r\n"
        + "Content-Transfer-Encoding: binary\r\n\r\n", der, "\r\n--b1--\r\n"));
    Path out = dir.resolve("verified.bin");

    var run = verify(signed, "--out", out.toString());

    assertThat(run.exit()).as(run.stderr()).isZero();
    assertThat(run.stderr()).contains("Verified: signer alice@example.com");
    assertThat(Files.readAllBytes(out)).isEqualTo(entity);
  }

  private static byte[] concat(Object... pieces) {
    var out = new java.io.ByteArrayOutputStream();
    for (Object piece : pieces) {
      out.writeBytes(piece instanceof String text ? text.getBytes(StandardCharsets.ISO_8859_1)
          : (byte[]) piece);
    }
    return out.toByteArray();
  }

  @Test
  void verify_openSslSignedDataMessage_verifies() throws Exception {
    Path signed = openSslSign("-nodetach");

    var run = verify(signed);

    assertThat(run.exit()).as(run.stderr()).isZero();
    assertThat(run.stderr()).contains("Verified: signer alice@example.com");
  }

  /**
   * OpenSSL's DER SignedData sent with Content-Transfer-Encoding: binary. The content has CRLF
   * line ends and a bare LF, signed with -binary, so the DER holds both: a CR added anywhere
   * breaks the CMS.
   */
  @Test
  void verify_binarySignedDataFromOpenSsl_verifiesAndWritesTheContentByteForByte()
      throws Exception {
    byte[] content = ("Content-Type: application/octet-stream\r\n"
        + "Content-Transfer-Encoding: binary\r\n\r\nline one\r\nbare\nend\r\n")
        .getBytes(StandardCharsets.ISO_8859_1);
    Files.write(dir.resolve("binary.bin"), content);
    pki.openssl("cms", "-sign", "-nodetach", "-binary", "-in", "binary.bin",
        "-signer", "alice.pem", "-inkey", "alice.key", "-outform", "DER", "-out", "sg.der");
    byte[] der = Files.readAllBytes(dir.resolve("sg.der"));
    assertThat(new String(der, StandardCharsets.ISO_8859_1)).contains("\r\n").containsPattern(
        "[^\r]\n");
    var message = new java.io.ByteArrayOutputStream();
    message.writeBytes(("From: alice@example.com\r\nContent-Type: application/pkcs7-mime;"
        + " smime-type=signed-data; name=smime.p7m\r\nContent-Transfer-Encoding: binary\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII));
    message.writeBytes(der);
    Path signed = Files.write(dir.resolve("vs_binary.eml"), message.toByteArray());
    Path out = dir.resolve("content.out");

    var run = verify(signed, "--out", out.toString());

    assertThat(run.exit()).as(run.stderr()).isZero();
    assertThat(run.stderr()).contains("Verified: signer alice@example.com");
    assertThat(Files.readAllBytes(out)).isEqualTo(content);
  }

  /**
   * A signed-data CMS saved without MIME headers, as OpenSSL writes it: DER (a .p7m file), PEM
   * from openssl cms or openssl smime, or bare base64 (found by an outside trial).
   */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"cms DER", "cms PEM", "smime PEM", "base64"})
  void verify_savedSignedData_verifiesAndWritesTheEncapsulatedContent(String form)
      throws Exception {
    String command = form.equals("base64") ? "cms" : form.split(" ")[0];
    String outform = form.equals("base64") ? "DER" : form.split(" ")[1];
    pki.openssl(command, "-sign", "-nodetach", "-binary", "-in", "content.txt", "-signer",
        "alice.pem", "-inkey", "alice.key", "-outform", outform, "-out", "signed.p7m");
    if (form.equals("base64")) {
      pki.openssl("base64", "-in", "signed.p7m", "-out", "signed.b64");
    }
    Path saved = dir.resolve(form.equals("base64") ? "signed.b64" : "signed.p7m");
    Path out = dir.resolve("verified.txt");

    var run = verify(saved, "--out", out.toString());

    assertThat(run.exit()).as(run.stderr()).isZero();
    assertThat(run.stderr()).isEqualTo(
        "Verified: signer alice@example.com (EMAILADDRESS=alice@example.com,CN=alice)\n"
        + "  digest sha-256, signing time " + signingTime(run.stderr()) + "\n");
    assertThat(Files.readString(out)).isEqualTo(CONTENT);
  }

  private static String signingTime(String stderr) {
    return stderr.replaceAll("(?s).*signing time (\\S+)\n", "$1");
  }

  @Test
  void verify_savedSignedDataOnStandardInput_writesTheContentToStandardOutput()
      throws Exception {
    pki.openssl("cms", "-sign", "-nodetach", "-binary", "-in", "content.txt", "-signer",
        "alice.pem", "-inkey", "alice.key", "-outform", "PEM", "-out", "signed.pem");

    var run = CliRunner.run(Files.readAllBytes(dir.resolve("signed.pem")), "verify",
        "--trust", pki.caCert.toString(), "--out", "-");

    assertThat(run.exit()).as(run.stderr()).isZero();
    assertThat(run.stdoutText()).isEqualTo(CONTENT);
  }

  @Test
  void verify_truncatedDer_failsNamingBothLengthsInOneLine() throws Exception {
    pki.openssl("cms", "-sign", "-nodetach", "-binary", "-in", "content.txt", "-signer",
        "alice.pem", "-inkey", "alice.key", "-outform", "DER", "-out", "signed.p7m");
    byte[] der = Files.readAllBytes(dir.resolve("signed.p7m"));
    Path cut = Files.write(dir.resolve("cut.p7m"), java.util.Arrays.copyOf(der, der.length - 40));

    var run = verify(cut);

    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.stderr()).isEqualTo("smime: the CMS is truncated: expected " + der.length
        + " bytes, got " + (der.length - 40) + " (a partial download or copy?)\n");
  }

  @Test
  void verify_savedEnvelopedData_saysItIsNotSigned() throws Exception {
    pki.openssl("cms", "-encrypt", "-aes256", "-in", "content.txt", "-outform", "DER",
        "-out", "enc.p7m", "alice.pem");

    var run = verify(dir.resolve("enc.p7m"));

    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.stderr()).isEqualTo("smime: not a signed message: the CMS is enveloped-data\n");
  }

  /** Neither MIME nor any saved form of CMS: the MIME parser's error, as before. */
  @ParameterizedTest
  @ValueSource(strings = {"hello, this is not S/MIME\n", "\u0001\u0002garbage"})
  void verify_garbage_failsAsNotSigned(String garbage) throws Exception {
    Path file = Files.writeString(dir.resolve("garbage.txt"), garbage);

    var run = verify(file);

    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.stderr()).isEqualTo("smime: not a signed S/MIME message: text/plain\n");
  }

  @Test
  void verify_pemCertificateInsteadOfAMessage_saysWhatItIs() throws Exception {
    var run = verify(pki.cert("alice"));

    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.stderr()).isEqualTo("smime: not CMS: a PEM CERTIFICATE block (expected"
        + " -----BEGIN CMS-----, -----BEGIN PKCS7----- or gpgsm's -----BEGIN ENCRYPTED"
        + " MESSAGE----- / -----BEGIN SIGNED MESSAGE-----)\n");
  }

  @Test
  void verify_base64BrokenFurtherOn_failsNamingTheLine() throws Exception {
    pki.openssl("cms", "-sign", "-nodetach", "-binary", "-in", "content.txt", "-signer",
        "alice.pem", "-inkey", "alice.key", "-outform", "DER", "-out", "signed.p7m");
    pki.openssl("base64", "-in", "signed.p7m", "-out", "signed.b64");
    Path text = dir.resolve("signed.b64");
    Files.writeString(text, Files.readString(text).replaceFirst("\n", "\n:"));

    var run = verify(text);

    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.stderr()).isEqualTo("smime: malformed base64 CMS: ':' is not base64"
        + " (line 2)\n");
  }

  @Test
  void verify_tamperedMessage_failsWithOneLine() throws Exception {
    Path signed = openSslSign();
    String text = Files.readString(signed, StandardCharsets.ISO_8859_1);
    Files.writeString(signed, text.replace("100 EUR", "900 EUR"), StandardCharsets.ISO_8859_1);

    var run = verify(signed);

    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.stderr()).isEqualTo("smime: signature does not match the content\n");
  }

  @Test
  void verify_untrustedSigner_fails() throws Exception {
    Path signed = openSslSign();
    TestPki other = TestPki.create(Files.createDirectory(dir.resolve("other")));

    var run = CliRunner.run(new byte[0], "verify", "--in", signed.toString(),
        "--trust", other.caCert.toString());

    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.stderr()).startsWith("smime: signer certificate not trusted").hasLineCount(1);
  }

  /** Found by an outside trial: a -nocerts signature could not be verified at all. */
  @Test
  void verify_signatureWithoutCertificates_verifiesWithTheSignersCertificateGivenBeside()
      throws Exception {
    Path signed = openSslSign("-nocerts");

    var without = verify(signed);
    var with = verify(signed, "--certfile", dir.resolve("alice.pem").toString());
    var stranger = verify(signed, "--certfile", pki.caCert.toString());

    assertThat(without.exit()).isEqualTo(1);
    assertThat(without.stderr()).isEqualTo("smime: signer certificate is not in the message"
        + " (give it with --certfile)\n");
    assertThat(with.exit()).as(with.stderr()).isZero();
    assertThat(with.stderr()).contains("Verified: signer alice@example.com");
    assertThat(stranger.exit()).isEqualTo(1);
    assertThat(stranger.stderr()).isEqualTo("smime: signer certificate is not in the message"
        + " nor in --certfile\n");
  }

}
