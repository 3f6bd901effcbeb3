package org.smimed.client.mime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.smimed.client.SoftwareDecryptor;
import org.smimed.client.TestPki;

class EncryptedMessageReaderTest {
  @TempDir Path dir;
  private TestPki pki;

  @BeforeEach
  void setUp() throws Exception {
    pki = TestPki.withAlice(dir, "Content-Type: text/plain\r\n\r\nhello\r\n");
  }

  @Test
  void decrypt_openSslSmimeMessage_handsTheExactCmsDerToTheDecryptor() throws Exception {
    pki.openssl("smime", "-encrypt", "-aes256", "-in", "content.txt", "-out", "enc.eml",
        "-from", "billing@example.com", "-subject", "s", "alice.pem");
    pki.openssl("cms", "-cmsout", "-in", "enc.eml", "-inform", "SMIME", "-outform", "DER",
        "-out", "expected.der");
    ByteArrayOutputStream seen = new ByteArrayOutputStream();

    EncryptedMessageReader.decrypt(Files.newInputStream(dir.resolve("enc.eml")),
        (cms, plaintext) -> {
          cms.transferTo(seen);
          plaintext.write("ok".getBytes());
          return new DecryptionReport("", "", "");
        }, new ByteArrayOutputStream());

    assertThat(seen.toByteArray()).isEqualTo(Files.readAllBytes(dir.resolve("expected.der")));
  }

  /**
   * A cut-off mail is said by name, as a cut-off DER file is, and a mailing list's footer after
   * the base64 text is not handed on as CMS (found by a mail trial: both were "decryption
   * failed" from the daemon).
   */
  @Test
  void cmsStream_mimeBodyCutShortOrFollowedByAFooter_isNamedOrEndsWhereTheDerEnds()
      throws Exception {
    byte[] der = new byte[300];
    der[0] = 0x30;
    der[1] = (byte) 0x82;
    der[2] = 0x01;
    der[3] = 0x28; // 296 bytes follow the four of the header
    String head = "Content-Type: application/pkcs7-mime; smime-type=enveloped-data\r\n"
        + "Content-Transfer-Encoding: base64\r\n\r\n";
    String base64 = java.util.Base64.getMimeEncoder().encodeToString(der);
    String cut = head + base64.substring(0, 200) + "\r\n";
    String footer = head + base64 + "\r\n-- \r\nTo unsubscribe, write to list@example.org\r\n";

    assertThatThrownBy(() -> EncryptedMessageReader.cmsStream(new ByteArrayInputStream(
        cut.getBytes(StandardCharsets.US_ASCII))).readAllBytes())
        .isInstanceOf(TruncatedCmsException.class);
    assertThat(EncryptedMessageReader.cmsStream(new ByteArrayInputStream(
        footer.getBytes(StandardCharsets.US_ASCII))).readAllBytes()).isEqualTo(der);
  }

  /** The .p7m file a mail client saves from an attachment (found by an outside trial). */
  @Test
  void decrypt_rawDerFromOpenSsl_isTheCmsItself() throws Exception {
    pki.openssl("cms", "-encrypt", "-aes256", "-in", "content.txt", "-outform", "DER",
        "-out", "enc.p7m", "alice.pem");
    byte[] der = Files.readAllBytes(dir.resolve("enc.p7m"));
    ByteArrayOutputStream inner = new ByteArrayOutputStream();

    DecryptionReport report = EncryptedMessageReader.decrypt(new ByteArrayInputStream(der),
        new SoftwareDecryptor(pki.privateKey("alice", "RSA"), new BouncyCastleProvider(),
            "alice@example.com"), inner);

    assertThat(inner.toString(StandardCharsets.US_ASCII))
        .isEqualTo("Content-Type: text/plain\r\n\r\nhello\r\n");
    assertThat(report.keyVersion()).isEqualTo("alice@example.com/software");
  }

  /** Found by an interop trial: a saved signature went to the daemon, "decryption failed". */
  @Test
  void decrypt_rawSignedData_isRefusedByNameWithoutReachingTheDecryptor() throws Exception {
    pki.openssl("cms", "-sign", "-in", "content.txt", "-signer", "alice.pem", "-inkey",
        "alice.key", "-outform", "DER", "-out", "signed.p7s");
    java.util.concurrent.atomic.AtomicBoolean asked =
        new java.util.concurrent.atomic.AtomicBoolean();

    assertThatThrownBy(() -> EncryptedMessageReader.decrypt(
        Files.newInputStream(dir.resolve("signed.p7s")), (cms, plaintext) -> {
          asked.set(true);
          return new DecryptionReport("", "", "");
        }, new ByteArrayOutputStream()))
        .isInstanceOf(SmimeOperationException.class)
        .hasMessage("not an encrypted message: the CMS is SignedData (signed, not encrypted:"
            + " use smime verify or smime open)");
    assertThat(asked).isFalse();
  }

  /**
   * PEM (openssl cms/smime -outform PEM) and bare base64 (a body without its headers) are the
   * CMS too, decoded (found by an outside trial).
   */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"cms PEM", "smime PEM", "base64"})
  void decrypt_textFormsFromOpenSsl_decryptTheCms(String form) throws Exception {
    String command = form.split(" ")[0];
    if (form.equals("base64")) {
      pki.openssl("cms", "-encrypt", "-aes256", "-in", "content.txt", "-outform", "DER",
          "-out", "enc.der", "alice.pem");
      pki.openssl("base64", "-in", "enc.der", "-out", "enc.txt");
    } else {
      pki.openssl(command, "-encrypt", "-aes256", "-in", "content.txt", "-outform", "PEM",
          "-out", "enc.txt", "alice.pem");
    }
    ByteArrayOutputStream inner = new ByteArrayOutputStream();

    EncryptedMessageReader.decrypt(Files.newInputStream(dir.resolve("enc.txt")),
        new SoftwareDecryptor(pki.privateKey("alice", "RSA"), new BouncyCastleProvider(),
            "alice@example.com"), inner);

    assertThat(inner.toString(StandardCharsets.US_ASCII))
        .isEqualTo("Content-Type: text/plain\r\n\r\nhello\r\n");
  }

  /** Found while streaming, after the decryptor started: still the message's fault, so said. */
  @Test
  void decrypt_pemBrokenFurtherOn_failsNamingTheLine() throws Exception {
    pki.openssl("cms", "-encrypt", "-aes256", "-in", "content.txt", "-outform", "PEM",
        "-out", "enc.pem", "alice.pem");
    String pem = Files.readString(dir.resolve("enc.pem"));
    byte[] broken = pem.replaceFirst("\n(.{10})", "\n$1%").getBytes(StandardCharsets.US_ASCII);

    assertThatThrownBy(() -> EncryptedMessageReader.decrypt(new ByteArrayInputStream(broken),
        (cms, plaintext) -> {
          cms.transferTo(plaintext);
          return new DecryptionReport("", "", "");
        }, new ByteArrayOutputStream()))
        .isInstanceOf(SmimeOperationException.class)
        .hasMessage("malformed PEM CMS: '%' is not base64 (line 2)");
  }

  /** A header name may start with "0" (0x30), but no header line continues with 0x80+. */
  @Test
  void cmsStream_headerStartingWithZero_isStillAHeaderSection() {
    byte[] message = "0x-Note: hi\nSubject: hi\n\nhello\n".getBytes();

    assertThatThrownBy(() -> EncryptedMessageReader.cmsStream(new ByteArrayInputStream(message)))
        .hasMessage("not an S/MIME message: no Content-Type");
  }

  @Test
  void cmsStream_binaryTransferEncoding_passesBytesThrough() throws Exception {
    byte[] der = {0x30, (byte) 0x80, 0x0d, 0x0a, 0x00, 0x00};
    byte[] head = ("Content-Type: application/pkcs7-mime; smime-type=enveloped-data\n"
        + "Content-Transfer-Encoding: binary\n\n").getBytes();
    byte[] message = new byte[head.length + der.length];
    System.arraycopy(head, 0, message, 0, head.length);
    System.arraycopy(der, 0, message, head.length, der.length);

    byte[] cms = EncryptedMessageReader.cmsStream(new ByteArrayInputStream(message))
        .readAllBytes();

    assertThat(cms).isEqualTo(der);
  }

  /** Found by an outside trial: a legal transfer encoding, if a rare one around CMS. */
  @Test
  void cmsStream_quotedPrintableBody_isDecoded() throws Exception {
    byte[] der = {0x30, (byte) 0x80, 0x3d, 0x0d, 0x0a, (byte) 0xff, 0x00, 0x00};
    byte[] message = ("Content-Type: application/pkcs7-mime; smime-type=enveloped-data\n"
        + "Content-Transfer-Encoding: quoted-printable\n\n"
        + "0=80=3D=0D=0A=FF=00=\n=00\n").getBytes(StandardCharsets.US_ASCII);

    byte[] cms = EncryptedMessageReader.cmsStream(new ByteArrayInputStream(message))
        .readAllBytes();

    assertThat(cms).startsWith(der);
  }

  /** Some gateways relabel S/MIME as a generic attachment; its name still says what it is. */
  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {
      "Content-Type: application/octet-stream; name=\"smime.p7m\"\n",
      "Content-Type: application/octet-stream\nContent-Disposition: attachment;"
          + " filename=\"SMIME.P7M\"\n"})
  void cmsStream_octetStreamNamedP7m_isReadAsPkcs7Mime(String header) throws Exception {
    byte[] message = (header + "Content-Transfer-Encoding: base64\n\nMIAAAA==\n").getBytes();

    byte[] cms = EncryptedMessageReader.cmsStream(new ByteArrayInputStream(message))
        .readAllBytes();

    assertThat(cms).containsExactly(0x30, 0x80, 0x00, 0x00);
  }

  /**
   * Base64 under another label, or none: an interop trial's gateway-style bodies went to the
   * daemon as text ("not a CMS message"); OpenSSL reads them.
   */
  @ParameterizedTest
  @ValueSource(strings = {"", "Content-Transfer-Encoding: 7bit\n",
      "Content-Transfer-Encoding: quoted-printable\n", "Content-Transfer-Encoding: 8bit\n"})
  void cmsStream_base64BodyLabelledOtherwise_isDecodedAsBase64(String label) throws Exception {
    byte[] message = ("Content-Type: application/pkcs7-mime; smime-type=enveloped-data\n"
        + label + "\nMIAAAAAA\n").getBytes(); // no '=' padding, which QP would encode

    byte[] cms = EncryptedMessageReader.cmsStream(new ByteArrayInputStream(message))
        .readAllBytes();

    assertThat(cms).containsExactly(0x30, 0x80, 0x00, 0x00, 0x00, 0x00);
  }

  /** RFC 2045 section 6.1: the field may carry comments around the mechanism. */
  @Test
  void cmsStream_transferEncodingWithComments_isTheMechanismTheyAnnotate() throws Exception {
    byte[] message = ("Content-Type: application/pkcs7-mime; smime-type=enveloped-data\n"
        + "Content-Transfer-Encoding: (re-encoded (twice)) BASE64 (by the gateway)\n\n"
        + "MIAAAA==\n").getBytes();

    byte[] cms = EncryptedMessageReader.cmsStream(new ByteArrayInputStream(message))
        .readAllBytes();

    assertThat(cms).containsExactly(0x30, 0x80, 0x00, 0x00);
  }

  @Test
  void cmsStream_octetStreamOfAnotherName_isRejected() {
    byte[] message = ("Content-Type: application/octet-stream; name=\"report.pdf\"\n"
        + "Content-Transfer-Encoding: base64\n\nMIAAAA==\n").getBytes();

    assertThatThrownBy(() -> EncryptedMessageReader.cmsStream(new ByteArrayInputStream(message)))
        .hasMessage("not an encrypted S/MIME message: application/octet-stream");
  }

  /** The label is a hint: what the CMS is decides (a gateway mislabelled enveloped mail). */
  @Test
  void decrypt_envelopedDataLabelledSignedData_isDecrypted() throws Exception {
    pki.openssl("smime", "-encrypt", "-aes256", "-in", "content.txt", "-out", "enc.eml",
        "alice.pem");
    byte[] mislabelled = Files.readString(dir.resolve("enc.eml"))
        .replace("smime-type=enveloped-data", "smime-type=signed-data").getBytes();
    ByteArrayOutputStream seen = new ByteArrayOutputStream();

    EncryptedMessageReader.decrypt(new ByteArrayInputStream(mislabelled), (cms, plaintext) -> {
      cms.transferTo(seen);
      return new DecryptionReport("", "", "");
    }, new ByteArrayOutputStream());

    assertThat(seen.size()).isPositive();
    assertThat(LayerKind.of(mislabelled)).isEqualTo(LayerKind.ENCRYPTED);
  }

  /** What OpenSSL leaves when its encryption fails: the headers and nothing after them. */
  @Test
  void cmsStream_emptyBody_isRejectedAsTheMessagesFault() {
    byte[] message = ("MIME-Version: 1.0\nContent-Disposition: attachment; filename=\"smime.p7m\"\n"
        + "Content-Type: application/pkcs7-mime; smime-type=authEnveloped-data;"
        + " name=\"smime.p7m\"\nContent-Transfer-Encoding: base64\n\n").getBytes();

    assertThatThrownBy(() -> EncryptedMessageReader.cmsStream(new ByteArrayInputStream(message)))
        .isInstanceOf(SmimeOperationException.class)
        .hasMessage("not an encrypted S/MIME message: the body is empty");
  }

  @Test
  void cmsStream_plainText_isRejected() {
    byte[] message = "Subject: hi\n\nhello\n".getBytes();

    assertThatThrownBy(() -> EncryptedMessageReader.cmsStream(new ByteArrayInputStream(message)))
        .hasMessage("not an S/MIME message: no Content-Type");
  }
}
