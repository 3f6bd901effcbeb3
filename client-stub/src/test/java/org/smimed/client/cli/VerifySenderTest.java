package org.smimed.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.smimed.client.CliRunner;
import org.smimed.client.TestPki;

/**
 * smime verify's sender check (RFC 8550 section 3): the From a mail program shows, or the
 * Sender where From has no address, must be the signer's, in strict mode (the default) and
 * as a warning with --sender-check warn.
 */
class VerifySenderTest {
  private static final String CONTENT =
      "Content-Type: text/plain\r\n\r\nPay 100 EUR to account 1234.\r\n";

  @TempDir Path dir;
  private TestPki pki;

  @BeforeEach
  void setUp() throws Exception {
    pki = TestPki.withAlice(dir, CONTENT);
  }

  /** A message OpenSSL signed as alice@example.com, From alice, saved as signed.eml. */
  static Path signedByAlice(TestPki pki, Path dir, String... extra) throws Exception {
    var args = new java.util.ArrayList<>(java.util.List.of("smime", "-sign", "-in", "content.txt",
        "-signer", "alice.pem", "-inkey", "alice.key", "-from", "alice@example.com",
        "-out", "signed.eml"));
    args.addAll(java.util.List.of(extra));
    pki.openssl(args.toArray(String[]::new));
    return dir.resolve("signed.eml");
  }

  private Path openSslSign() throws Exception {
    return signedByAlice(pki, dir);
  }

  private CliRunner.Run verify(Path message, String... extra) {
    return CliRunner.runOn("verify", message, pki.caCert, extra);
  }

  /** {@code text} with its From line replaced by {@code fields}, saved as {@code name}. */
  private Path withFrom(String text, String name, String fields) throws Exception {
    return Files.writeString(dir.resolve(name), text.replace("From: alice@example.com", fields),
        StandardCharsets.ISO_8859_1);
  }

  @Test
  void verify_fromNotSignerAddress_failsUnlessWarn() throws Exception {
    Path signed = openSslSign();
    String text = Files.readString(signed, StandardCharsets.ISO_8859_1);
    Files.writeString(signed, text.replace("From: alice@example.com", "From: mallory@example.com"),
        StandardCharsets.ISO_8859_1);

    var strict = verify(signed);
    var warn = verify(signed, "--sender-check", "warn");

    assertThat(strict.exit()).isEqualTo(1);
    assertThat(strict.stderr()).contains("mallory@example.com is not the signer's address");
    assertThat(warn.exit()).isZero();
    assertThat(warn.stderr()).contains("smime: warning: From mallory@example.com");
  }

  /**
   * RFC 8550 section 3: From or Sender, as Thunderbird reads it: Sender stands in only for a
   * From without an address. A Sender that is the signer does not make a From naming someone
   * else pass (found by a review: mail From a bank's CEO, Sender the signer, verified).
   */
  @Test
  void verify_senderCountsOnlyForAFromWithoutAnAddress() throws Exception {
    Path signed = openSslSign();
    String text = Files.readString(signed, StandardCharsets.ISO_8859_1);
    Path noAddress = withFrom(text, "no-address.eml", "From:\nSender: alice@example.com");
    Path behalf = withFrom(text, "behalf.eml", "From: ceo@example.com\nSender: alice@example.com");

    Path senderOnly = Files.writeString(dir.resolve("sender-only.eml"), text
        .replaceFirst("From: alice@example.com\r?\n", "")
        .replace("MIME-Version: 1.0", "MIME-Version: 1.0\nSender: mallory@example.com"),
        StandardCharsets.ISO_8859_1);

    var ok = verify(noAddress);
    var refused = verify(behalf);
    // Without From, readers show the Sender: it must be the signer (found by a review).
    var noFrom = verify(senderOnly);
    assertThat(noFrom.exit()).isEqualTo(1);
    assertThat(noFrom.stderr()).contains("Sender mallory@example.com is not the signer's");

    assertThat(ok.exit()).as(ok.stderr()).isZero();
    assertThat(ok.stderr()).startsWith("Verified: signer alice@example.com")
        .doesNotContain("warning");
    assertThat(refused.exit()).isEqualTo(1);
    assertThat(refused.stderr()).contains("ceo@example.com is not the signer's address");
  }

  /**
   * A From below a line that is no field is what Thunderbird shows (it skips such lines): it
   * is checked (found by a review: it passed unchecked once the stray line ended the headers).
   */
  @Test
  void verify_fromBelowAStrayHeaderLine_isChecked() throws Exception {
    Path signed = openSslSign();
    String text = Files.readString(signed, StandardCharsets.ISO_8859_1);
    Path stray = Files.writeString(dir.resolve("stray.eml"), text
        .replaceFirst("From: alice@example.com\r?\n", "")
        .replace("MIME-Version: 1.0", "MIME-Version: 1.0\nReceived from mx1 (no colon here)\n"
            + "From: mallory@example.com"), StandardCharsets.ISO_8859_1);

    var run = verify(stray);

    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.stderr()).contains("mallory@example.com is not the signer's address");
  }

  /**
   * RFC 5280 section 7.5: the certificate's domain in A-labels matches a From in UTF-8 (RFC
   * 6532), which is printed as UTF-8 (found by a mail trial: refused, and shown garbled).
   */
  @Test
  void verify_internationalizedDomain_matchesItsALabelForm() throws Exception {
    pki.issueEmail("idn", "alice@xn--bcher-kva.example", "rsa");
    pki.openssl("smime", "-sign", "-in", "content.txt", "-signer", "idn.pem", "-inkey",
        "idn.key", "-from", "alice@example.com", "-out", "idn.eml");
    String text = Files.readString(dir.resolve("idn.eml"), StandardCharsets.UTF_8);
    Path utf8 = Files.writeString(dir.resolve("utf8.eml"), text.replace(
        "From: alice@example.com", "From: alice@b\u00fccher.example"), StandardCharsets.UTF_8);
    Path other = Files.writeString(dir.resolve("other.eml"), text.replace(
        "From: alice@example.com", "From: alice@b\u00fccherei.example"), StandardCharsets.UTF_8);
    // IDNA2003 would map these to the certificate's name; IDNA2008 keeps them apart.
    pki.issueEmail("strasse", "alice@strasse.example", "rsa");
    pki.openssl("smime", "-sign", "-in", "content.txt", "-signer", "strasse.pem", "-inkey",
        "strasse.key", "-from", "alice@example.com", "-out", "strasse.eml");
    Path eszett = Files.writeString(dir.resolve("eszett.eml"),
        Files.readString(dir.resolve("strasse.eml"), StandardCharsets.UTF_8).replace(
            "From: alice@example.com", "From: alice@stra\u00dfe.example"),
        StandardCharsets.UTF_8);
    assertThat(verify(eszett).exit()).isEqualTo(1);

    var ok = verify(utf8);
    var refused = verify(other);

    assertThat(ok.exit()).as(ok.stderr()).isZero();
    assertThat(refused.exit()).isEqualTo(1);
    assertThat(new String(refused.stderr().getBytes(StandardCharsets.ISO_8859_1),
        StandardCharsets.UTF_8) + refused.stderr()).contains("b\u00fccherei.example");
  }

  /** Found by an outside trial: one matching mailbox among several was enough. */
  @Test
  void verify_fromWithAnotherMailboxBesideTheSigner_failsNamingIt() throws Exception {
    Path signed = openSslSign();
    String text = Files.readString(signed, StandardCharsets.ISO_8859_1);
    Files.writeString(signed, text.replace("From: alice@example.com",
        "From: ceo@example.com, alice@example.com"), StandardCharsets.ISO_8859_1);

    var strict = verify(signed);

    assertThat(strict.exit()).isEqualTo(1);
    assertThat(strict.stderr()).isEqualTo("smime: From ceo@example.com is not the signer's"
        + " address alice@example.com\n");
  }

  /** Found in review: a From without a mailbox, or a second From field, went unchecked. */
  @Test
  void verify_unreadableFromOrASecondFromField_failsUnlessWarn() throws Exception {
    Path signed = openSslSign();
    String text = Files.readString(signed, StandardCharsets.ISO_8859_1);
    Path unreadable = withFrom(text, "unreadable.eml", "From: ");
    Path twice = withFrom(text, "twice.eml", "From: alice@example.com\nFrom: ceo@example.com");

    var strictUnreadable = verify(unreadable);
    var warnUnreadable = verify(unreadable, "--sender-check", "warn");
    var strictTwice = verify(twice);

    assertThat(strictUnreadable.exit()).isEqualTo(1);
    // No mailbox at all: "every mailbox is the signer's" must not hold vacuously.
    assertThat(strictUnreadable.stderr()).isEqualTo("smime: From '' cannot be read as an"
        + " address\n");
    assertThat(warnUnreadable.exit()).as(warnUnreadable.stderr()).isZero();
    assertThat(strictTwice.exit()).isEqualTo(1);
    assertThat(strictTwice.stderr()).isEqualTo("smime: From ceo@example.com is not the"
        + " signer's address alice@example.com\n");
  }

  /** Found by an outside trial: a certificate without address vouched for any From. */
  @Test
  void verify_fromSignedByACertificateWithoutAddress_cannotBeCheckedSoFailsUnlessWarn()
      throws Exception {
    pki.openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
        "-out", "plain.key");
    pki.openssl("req", "-new", "-key", "plain.key", "-subj", "/CN=Someone", "-out",
        "plain.csr");
    Files.writeString(dir.resolve("plain.ext"),
        "keyUsage=critical,digitalSignature\nextendedKeyUsage=emailProtection\n");
    pki.openssl("x509", "-req", "-in", "plain.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
        "-CAcreateserial", "-days", "2", "-extfile", "plain.ext", "-out", "plain.pem");
    pki.openssl("smime", "-sign", "-in", "content.txt", "-signer", "plain.pem", "-inkey",
        "plain.key", "-from", "ceo@example.com", "-out", "plain.eml");

    var strict = verify(dir.resolve("plain.eml"));
    var warn = verify(dir.resolve("plain.eml"), "--sender-check", "warn");

    String reason = "From ceo@example.com cannot be checked: the signer's certificate names no"
        + " e-mail address";
    assertThat(strict.exit()).isEqualTo(1);
    assertThat(strict.stderr()).isEqualTo("smime: " + reason + "\n");
    assertThat(warn.exit()).as(warn.stderr()).isZero();
    assertThat(warn.stderr()).startsWith("smime: warning: " + reason + "\n")
        .contains("Verified: signer CN=Someone\n");
  }
}
