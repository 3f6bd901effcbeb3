package org.smimed.client.mime;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Properties;
import org.bouncycastle.cms.jcajce.JcaSimpleSignerInfoVerifierBuilder;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.mail.smime.SMIMESigned;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.smimed.client.CliRunner;
import org.smimed.client.HashAlgorithm;
import org.smimed.client.SoftwareSigner;
import org.smimed.client.SoftwareStreamSigner;
import org.smimed.client.TestPki;

class SignedMessageWriterTest {
  private static final String PLAIN = "From: Alice <alice@example.com>\r\n"
      + "To: bob@example.com\r\nSubject: invoice 42\r\nMessage-ID: <1@example.com>\r\n"
      + "Content-Type: text/plain; charset=us-ascii\r\n\r\nHello Bob,\r\n\r\nthe invoice.\r\n";

  @TempDir Path dir;
  private TestPki pki;
  private SoftwareSigner signer;
  private final BouncyCastleProvider bc = new BouncyCastleProvider();

  @BeforeEach
  void setUp() throws Exception {
    pki = TestPki.withAlice(dir);
    signer = new SoftwareSigner(pki.privateKey("alice", "RSA"), pki.x509("alice"), bc);
  }

  private byte[] detached(String message, HashAlgorithm hash) throws Exception {
    return new SignedMessageWriter(signer, hash, false, new SecureRandom())
        .detached(MimeInput.parse(message.getBytes(StandardCharsets.ISO_8859_1)));
  }

  private void assertOpenSslVerifies(byte[] signed, byte[] expectedContent) throws Exception {
    Path in = dir.resolve("signed.eml");
    Files.write(in, signed);
    // Not -binary: that makes OpenSSL keep the CRLF before the boundary as content, contrary
    // to RFC 2046; text mode is how S/MIME agents verify.
    TestPki.Result r = pki.run("smime", "-verify", "-in", "signed.eml", "-CAfile", "ca.pem",
        "-out", "content.out");
    assertThat(r.exit()).as(r.stderr()).isZero();
    assertThat(Files.readAllBytes(dir.resolve("content.out"))).isEqualTo(expectedContent);
    TestPki.Result cms = pki.run("cms", "-verify", "-in", "signed.eml", "-CAfile", "ca.pem",
        "-purpose", "smimesign", "-out", "/dev/null");
    assertThat(cms.exit()).as(cms.stderr()).isZero();
  }

  private void assertBcVerifies(byte[] signed) throws Exception {
    MimeMessage msg = new MimeMessage(Session.getInstance(new Properties()),
        new ByteArrayInputStream(signed));
    SMIMESigned s = new SMIMESigned((MimeMultipart) msg.getContent());
    var si = s.getSignerInfos().getSigners().iterator().next();
    assertThat(si.verify(new JcaSimpleSignerInfoVerifierBuilder().setProvider(bc)
        .build(pki.x509("alice")))).isTrue();
  }

  private byte[] innerEntity(String message) {
    return MimeInput.parse(message.getBytes(StandardCharsets.ISO_8859_1)).sevenBitEntity();
  }

  @Test
  void detached_plainText_verifiesWithOpenSslBcAndSmimeVerify() throws Exception {
    byte[] signed = detached(PLAIN, HashAlgorithm.SHA256);

    assertOpenSslVerifies(signed, innerEntity(PLAIN));
    assertBcVerifies(signed);
    Files.write(dir.resolve("m.eml"), signed);
    var run = CliRunner.run(new byte[0], "verify", "--in", dir.resolve("m.eml").toString(),
        "--trust", pki.caCert.toString());
    assertThat(run.exit()).as(run.stderr()).isZero();
    assertThat(run.stderr()).contains("Verified: signer alice@example.com (");
  }

  @Test
  void detached_sendsOnlyTheDigestOfTheBytesBetweenTheBoundaries() throws Exception {
    byte[] signed = detached(PLAIN, HashAlgorithm.SHA384);

    SignedMessage parsed = SignedMessage.parse(signed);
    assertThat(signer.lastPayload().content()).isNull();
    assertThat(signer.lastPayload().digest())
        .isEqualTo(MessageDigest.getInstance("SHA-384").digest(parsed.content()));
    String text = new String(signed, StandardCharsets.ISO_8859_1);
    assertThat(text).contains("micalg=sha-384").contains("Subject: invoice 42\r\n")
        .contains("protocol=\"application/pkcs7-signature\"")
        .contains("Content-Disposition: attachment; filename=smime.p7s");
    assertThat(parsed.content()).isEqualTo(innerEntity(PLAIN));
    assertOpenSslVerifies(signed, innerEntity(PLAIN));
  }

  @Test
  void detached_lfOnlyInput_isCanonicalisedAndVerifies() throws Exception {
    String lf = PLAIN.replace("\r\n", "\n");
    byte[] signed = detached(lf, HashAlgorithm.SHA256);

    assertThat(new String(signed, StandardCharsets.ISO_8859_1)).doesNotContainPattern("[^\r]\n");
    assertOpenSslVerifies(signed, innerEntity(PLAIN));
    assertBcVerifies(signed);
  }

  @Test
  void detached_eightBitBody_isBase64EncodedAndVerifies() throws Exception {
    String eightBit = "From: alice@example.com\nSubject: Grüße\n"
        + "Content-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: 8bit\n\n"
        + "Grüße aus Köln\n\u00ff\u0001binary-ish\n";
    byte[] signed = detached(eightBit, HashAlgorithm.SHA256);

    byte[] entity = SignedMessage.parse(signed).content();
    String entityText = new String(entity, StandardCharsets.ISO_8859_1);
    assertThat(entityText).contains("Content-Transfer-Encoding: base64")
        .doesNotContain("8bit").matches("[\\x00-\\x7f]*");
    assertOpenSslVerifies(signed, entity);
    assertBcVerifies(signed);
  }

  @Test
  void detached_nestedMultipart_verifies() throws Exception {
    String nested = "From: alice@example.com\r\nSubject: nested\r\nMIME-Version: 1.0\r\n"
        + "Content-Type: multipart/mixed; boundary=\"outer\"\r\n\r\n"
        + "preamble\r\n--outer\r\nContent-Type: multipart/alternative; boundary=\"inner\"\r\n\r\n"
        + "--inner\r\nContent-Type: text/plain\r\n\r\nplain\r\n"
        + "--inner\r\nContent-Type: text/html\r\n\r\n<p>html</p>\r\n--inner--\r\n"
        + "--outer\r\nContent-Type: application/octet-stream\r\n"
        + "Content-Transfer-Encoding: base64\r\n\r\nAAECAwQF\r\n--outer--\r\n";
    byte[] signed = detached(nested, HashAlgorithm.SHA512);

    assertOpenSslVerifies(signed, innerEntity(nested));
    assertBcVerifies(signed);
    assertThat(outerHeader(signed)).doesNotContain("Content-Transfer-Encoding");
  }

  /**
   * Each part labelled 8bit, nested ones included, is signed as base64 (RFC 8551 section
   * 3.1.3), so the signed entity is 7-bit and a relay has nothing to convert; other parts keep
   * every byte, and every part's decoded content is what it was. From memory and from a file
   * alike.
   */
  @Test
  void detached_multipartWithEightBitParts_signsThemInBase64() throws Exception {
    String mixed = "From: alice@example.com\nSubject: mixed\nMIME-Version: 1.0\n"
        + "Content-Type: multipart/mixed; boundary=\"XX\"\n\n"
        + "preamble\n--XX\nContent-Type: text/plain; charset=iso-8859-1\n"
        + "Content-Transfer-Encoding: 8bit\n\nGr\u00fc\u00dfe\n--XX is not a delimiter\n\n"
        + "--XX\nContent-Type: text/plain\n\nplain 7bit\n"
        + "--XX\nContent-Type: multipart/alternative; boundary=YY\n\n"
        + "--YY\nContent-Type: text/html; charset=utf-8\nContent-Transfer-Encoding: 8BIT\n\n"
        + "<p>\u00c3\u00a9t\u00c3\u00a9</p>\n--YY--\n"
        + "--XX\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\n"
        + "AAECAwQF\n--XX--\nepilogue\n";
    byte[] signed = detached(mixed, HashAlgorithm.SHA256);
    var streamed = new java.io.ByteArrayOutputStream();
    streamed.writeBytes(detachedFromFile(mixed));

    byte[] entity = SignedMessage.parse(signed).content();
    assertThat(SignedMessage.parse(streamed.toByteArray()).content()).isEqualTo(entity);
    String text = new String(entity, StandardCharsets.ISO_8859_1);
    assertThat(text).matches("[\\x00-\\x7f]*").doesNotContainIgnoringCase("8bit")
        .contains("\r\n\r\nplain 7bit\r\n--XX\r\n").contains("preamble\r\n--XX\r\n")
        .contains("AAECAwQF\r\n--XX--\r\nepilogue\r\n");
    assertThat(outerHeader(signed)).doesNotContain("Content-Transfer-Encoding");
    assertThat(outerHeader(streamed.toByteArray())).doesNotContain("Content-Transfer-Encoding");
    MimeMultipart parts = (MimeMultipart) new MimeMessage(Session.getInstance(new Properties()),
        new ByteArrayInputStream(entity)).getContent();
    assertThat(parts.getBodyPart(0).getContent()).isEqualTo("Gr\u00fc\u00dfe\r\n--XX is not a"
        + " delimiter\r\n");
    assertThat(((MimeMultipart) parts.getBodyPart(2).getContent()).getBodyPart(0).getContent())
        .isEqualTo("<p>\u00e9t\u00e9</p>");
    assertOpenSslVerifies(signed, entity);
    assertOpenSslVerifies(streamed.toByteArray(), entity);
    assertBcVerifies(signed);
  }

  /**
   * What cannot be re-encoded — a message/rfc822 part's body (RFC 2046 section 5.2.1) — is
   * signed as it is, and the multipart/signed around it says 8bit rather than default to 7bit
   * (RFC 2045 section 6.4).
   */
  @Test
  void detached_multipartWithAnEightBitMessagePart_isLabelledEightBit() throws Exception {
    String mixed = "From: alice@example.com\r\nSubject: mixed\r\nMIME-Version: 1.0\r\n"
        + "Content-Type: multipart/mixed; boundary=\"XX\"\r\n\r\n"
        + "--XX\r\nContent-Type: message/rfc822\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        + "Subject: forwarded\r\n\r\nGr\u00fc\u00dfe\r\n--XX--\r\n";
    byte[] signed = detached(mixed, HashAlgorithm.SHA256);
    var streamed = new java.io.ByteArrayOutputStream();
    streamed.writeBytes(detachedFromFile(mixed));

    assertThat(outerHeader(signed)).contains("\r\nContent-Transfer-Encoding: 8bit");
    assertThat(outerHeader(streamed.toByteArray()))
        .contains("\r\nContent-Transfer-Encoding: 8bit");
    assertThat(MimeFile.open(dir.resolve("message.eml")).hasEightBitDataLeft()).isTrue();
    assertOpenSslVerifies(signed, innerEntity(mixed));
    assertOpenSslVerifies(streamed.toByteArray(), innerEntity(mixed));
  }

  /** {@code message} signed detached from a file, message.eml, as smime sign streams it. */
  private byte[] detachedFromFile(String message) throws Exception {
    Path file = dir.resolve("message.eml");
    Files.write(file, message.getBytes(StandardCharsets.ISO_8859_1));
    var out = new java.io.ByteArrayOutputStream();
    new SignedMessageWriter(signer, HashAlgorithm.SHA256, false, new SecureRandom())
        .detached(MimeFile.open(file), out);
    return out.toByteArray();
  }

  private static String outerHeader(byte[] signed) {
    String text = new String(signed, StandardCharsets.ISO_8859_1);
    return text.substring(0, text.indexOf("\r\n\r\n") + 2);
  }

  @Test
  void encapsulated_sendsContentAndVerifiesWithOpenSsl() throws Exception {
    byte[] signed = new SignedMessageWriter(signer, HashAlgorithm.SHA256, false,
        new SecureRandom()).encapsulated(
            MimeInput.parse(PLAIN.getBytes(StandardCharsets.US_ASCII)));

    assertThat(signer.lastPayload().encapsulate()).isTrue();
    assertThat(new String(signed, StandardCharsets.US_ASCII))
        .contains("application/pkcs7-mime; smime-type=signed-data; name=smime.p7m");
    assertOpenSslVerifies(signed, innerEntity(PLAIN));
  }

  @Test
  void encapsulated_ofAMultiMiBFile_streamsTheEntityAndTheSignedDataThrough() throws Exception {
    Path entity = bigTextEntity(4 * 1024 * 1024);
    SoftwareStreamSigner streaming = new SoftwareStreamSigner(pki.privateKey("alice", "RSA"),
        pki.x509("alice"), bc);
    Path signed = dir.resolve("signed.eml");

    try (var out = new java.io.BufferedOutputStream(Files.newOutputStream(signed))) {
      new SignedMessageWriter(signer, HashAlgorithm.SHA256, false, new SecureRandom())
          .encapsulated(MimeFile.open(entity), out, streaming);
    }

    assertThat(signer.calls()).isZero();
    assertThat(streaming.contentBytes()).isEqualTo(Files.size(entity));
    // The SignedData went out while the entity was still being read: nothing waited for all.
    assertThat(streaming.outputWhileContentArrived()).isGreaterThan(Files.size(entity) / 2);
    assertThat(Files.readString(signed, StandardCharsets.US_ASCII))
        .contains("application/pkcs7-mime; smime-type=signed-data; name=smime.p7m");
    TestPki.Result r = pki.run("cms", "-verify", "-binary", "-in", "signed.eml", "-CAfile",
        "ca.pem", "-out", "content.out");
    assertThat(r.exit()).as(r.stderr()).isZero();
    assertThat(Files.mismatch(dir.resolve("content.out"), entity)).isEqualTo(-1L);
  }

  @Test
  void detached_withContentStreamed_sendsExactlyTheBytesBetweenTheBoundaries() throws Exception {
    Path entity = bigTextEntity(2 * 1024 * 1024);
    SoftwareStreamSigner streaming = new SoftwareStreamSigner(pki.privateKey("alice", "RSA"),
        pki.x509("alice"), bc);
    Path signed = dir.resolve("signed.eml");

    try (var out = new java.io.BufferedOutputStream(Files.newOutputStream(signed))) {
      new SignedMessageWriter(signer, HashAlgorithm.SHA256, false, new SecureRandom())
          .detached(MimeFile.open(entity), out, streaming);
    }

    assertThat(signer.calls()).isZero();
    assertThat(streaming.contentBytes()).isEqualTo(Files.size(entity));
    TestPki.Result r = pki.run("cms", "-verify", "-in", "signed.eml", "-CAfile", "ca.pem",
        "-out", "content.out");
    assertThat(r.exit()).as(r.stderr()).isZero();
    assertThat(Files.mismatch(dir.resolve("content.out"), entity)).isEqualTo(-1L);
  }

  /** A text/plain entity of {@code size} bytes of base64 lines: canonical 7-bit already. */
  private Path bigTextEntity(int size) throws Exception {
    Path entity = dir.resolve("big.eml");
    java.util.Random random = new java.util.Random(5);
    StringBuilder text = new StringBuilder("Content-Type: text/plain; charset=us-ascii\r\n\r\n");
    byte[] line = new byte[57];
    while (text.length() < size) {
      random.nextBytes(line);
      text.append(java.util.Base64.getEncoder().encodeToString(line)).append("\r\n");
    }
    Files.writeString(entity, text, StandardCharsets.US_ASCII);
    return entity;
  }
}
