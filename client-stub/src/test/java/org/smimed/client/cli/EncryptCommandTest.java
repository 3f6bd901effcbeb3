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
    pki = TestPki.withAlice(dir);
    pki.issueEmail("bob", "bob@example.com", "ec");
    Files.write(dir.resolve("in.eml"), MESSAGE.getBytes(StandardCharsets.UTF_8));
  }

  private byte[] expectedEntity() {
    return MimeInput.parse(MESSAGE.getBytes(StandardCharsets.UTF_8)).entity();
  }

  private void encrypt(String cipher, String recipientId, String... recipients) {
    encryptWith(java.util.List.of("--cipher", cipher, "--recipient-id", recipientId), recipients);
  }

  private void encryptWith(java.util.List<String> options, String... recipients) {
    var args = new java.util.ArrayList<>(java.util.List.of("encrypt", "--in",
        dir.resolve("in.eml").toString(), "--out", dir.resolve("enc.eml").toString()));
    args.addAll(options);
    for (String r : recipients) {
      args.add("--recipient");
      args.add(pki.cert(r).toString());
    }
    var run = CliRunner.run(new byte[0], args.toArray(String[]::new));
    assertThat(run.exit()).as(run.stderr()).isZero();
  }

  /**
   * RFC 5480 2.1.1 forbids a curve spelled out (specifiedCurve); RFC 5753 3.1.1 wants the
   * originator key's parameters absent or the recipient certificate's own: P-256 by name.
   */
  @Test
  void ecRecipient_originatorKeyNamesTheCurve() throws Exception {
    encryptWith(java.util.List.of(), "bob");
    String mail = Files.readString(dir.resolve("enc.eml"), StandardCharsets.US_ASCII);
    byte[] der = java.util.Base64.getMimeDecoder().decode(
        mail.substring(mail.indexOf("\r\n\r\n") + 4));
    var envelope = org.bouncycastle.asn1.cms.AuthEnvelopedData.getInstance(
        org.bouncycastle.asn1.cms.ContentInfo.getInstance(der).getContent());
    var kari = org.bouncycastle.asn1.cms.KeyAgreeRecipientInfo.getInstance(
        org.bouncycastle.asn1.cms.RecipientInfo.getInstance(
            envelope.getRecipientInfos().getObjectAt(0)).getInfo());

    assertThat(kari.getOriginator().getOriginatorKey().getAlgorithm().getParameters())
        .isEqualTo(org.bouncycastle.asn1.sec.SECObjectIdentifiers.secp256r1);
    assertThat(openSslDecrypt("bob")).isEqualTo(expectedEntity());
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

  @ParameterizedTest
  @CsvSource({"sha1,1.3.14.3.2.26", "sha256,2.16.840.1.101.3.4.2.1",
      "sha384,2.16.840.1.101.3.4.2.2", "sha512,2.16.840.1.101.3.4.2.3"})
  void encrypt_oaep_decryptsWithOpenSslAndUsesTheHashForOaepAndMgf1(String hash, String oid)
      throws Exception {
    encryptWith(java.util.List.of("--rsa-padding", "oaep", "--oaep-hash", hash), "alice");

    assertThat(openSslDecrypt("alice")).isEqualTo(expectedEntity());
    assertThat(oaepHashes()).containsExactly("1.2.840.113549.1.1.7", oid, oid);
  }

  @Test
  void encrypt_oaepWithoutHash_usesSha256() throws Exception {
    encryptWith(java.util.List.of("--rsa-padding", "oaep"), "alice", "bob");

    assertThat(openSslDecrypt("alice")).isEqualTo(expectedEntity());
    assertThat(openSslDecrypt("bob")).isEqualTo(expectedEntity());
    String asn1 = new String(pki.openssl("cms", "-cmsout", "-print", "-in", "enc.eml"),
        StandardCharsets.ISO_8859_1);
    assertThat(asn1).contains("dhSinglePass-stdDH-sha256kdf-scheme");
    assertThat(oaepHashes()).containsExactly("1.2.840.113549.1.1.7",
        "2.16.840.1.101.3.4.2.1", "2.16.840.1.101.3.4.2.1");
  }

  /** Key transport OID, OAEP hash OID and MGF1 hash OID of the first recipient of enc.eml. */
  private java.util.List<String> oaepHashes() throws Exception {
    byte[] cms = org.smimed.client.mime.EncryptedMessageReader.cmsStream(
        Files.newInputStream(dir.resolve("enc.eml"))).readAllBytes();
    var info = org.bouncycastle.asn1.cms.ContentInfo.getInstance(cms);
    var recipients = org.bouncycastle.asn1.cms.AuthEnvelopedData.getInstance(info.getContent())
        .getRecipientInfos();
    var ktri = org.bouncycastle.asn1.cms.KeyTransRecipientInfo.getInstance(
        org.bouncycastle.asn1.cms.RecipientInfo.getInstance(recipients.getObjectAt(0)).getInfo());
    var alg = ktri.getKeyEncryptionAlgorithm();
    var params = org.bouncycastle.asn1.pkcs.RSAESOAEPparams.getInstance(alg.getParameters());
    var mgfHash = org.bouncycastle.asn1.x509.AlgorithmIdentifier.getInstance(
        params.getMaskGenAlgorithm().getParameters());
    return java.util.List.of(alg.getAlgorithm().getId(),
        params.getHashAlgorithm().getAlgorithm().getId(), mgfHash.getAlgorithm().getId());
  }

  @Test
  void encrypt_withoutCipherOrCapabilities_usesAes256Gcm() throws Exception {
    encryptWith(java.util.List.of(), "alice");

    String asn1 = new String(pki.openssl("cms", "-cmsout", "-print", "-in", "enc.eml"),
        StandardCharsets.ISO_8859_1);
    assertThat(asn1).contains("aes-256-gcm");
    assertThat(openSslDecrypt("alice")).isEqualTo(expectedEntity());
  }

  @Test
  void encrypt_chaCha20Poly1305_decryptsWithBouncyCastle() throws Exception {
    encryptWith(java.util.List.of("--cipher", "chacha20-poly1305"), "alice");

    byte[] message = Files.readAllBytes(dir.resolve("enc.eml"));
    assertThat(new String(message, StandardCharsets.ISO_8859_1))
        .contains("smime-type=authEnveloped-data");
    byte[] cms = org.smimed.client.mime.EncryptedMessageReader.cmsStream(
        new java.io.ByteArrayInputStream(message)).readAllBytes();
    var bc = new org.bouncycastle.jce.provider.BouncyCastleProvider();
    var enveloped = new org.bouncycastle.cms.CMSAuthEnvelopedData(cms);
    assertThat(enveloped.getEncryptionAlgOID())
        .isEqualTo(org.bouncycastle.cms.CMSAlgorithm.ChaCha20Poly1305.getId());
    var recipient = enveloped.getRecipientInfos().getRecipients().iterator().next();
    byte[] plain = recipient.getContent(
        new org.bouncycastle.cms.jcajce.JceKeyTransEnvelopedRecipient(
            pki.privateKey("alice", "RSA")).setProvider(bc));
    assertThat(plain).isEqualTo(expectedEntity());
  }

  @Test
  void encrypt_oaepHashWithPkcs1_isUsageError() {
    var run = CliRunner.run(new byte[0], "encrypt", "--recipient", pki.cert("alice").toString(),
        "--oaep-hash", "sha256");

    assertThat(run.exit()).isEqualTo(2);
    assertThat(run.stderr()).startsWith("smime: --oaep-hash needs --rsa-padding oaep")
        .hasLineCount(1);
  }

  @Test
  void encrypt_unknownOaepHash_isUsageError() {
    var run = CliRunner.run(new byte[0], "encrypt", "--recipient", pki.cert("alice").toString(),
        "--rsa-padding", "oaep", "--oaep-hash", "md5");

    assertThat(run.exit()).isEqualTo(2);
    assertThat(run.stderr()).startsWith("smime: unknown OAEP hash md5").hasLineCount(1);
  }

  @Test
  void encrypt_withoutAnyRecipient_isUsageError() {
    var run = CliRunner.run(new byte[0], "encrypt");

    assertThat(run.exit()).isEqualTo(2);
    assertThat(run.stderr())
        .startsWith("smime: at least one --recipient or --recipient-identity is required")
        .hasLineCount(1);
  }
}
