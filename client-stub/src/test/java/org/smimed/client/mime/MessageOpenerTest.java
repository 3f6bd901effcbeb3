package org.smimed.client.mime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.smimed.client.HashAlgorithm;
import org.smimed.client.SoftwareDecryptor;
import org.smimed.client.SoftwareSigner;
import org.smimed.client.TestPki;

/** Triple wrapping and layered opening with software keys; OpenSSL as the independent peer. */
class MessageOpenerTest {
  private static final String MAIL = "From: alice@example.com\r\nTo: bob@example.com\r\n"
      + "Subject: payroll\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n"
      + "Salaries attached.\r\n";
  private static final byte[] ENTITY = MimeInput.parse(MAIL.getBytes(StandardCharsets.US_ASCII))
      .entity();

  @TempDir Path dir;
  private TestPki pki;
  private final BouncyCastleProvider bc = new BouncyCastleProvider();
  private SoftwareSigner signer;
  private SoftwareDecryptor decryptor;
  private final List<String> lines = new ArrayList<>();

  @BeforeEach
  void setUp() throws Exception {
    pki = TestPki.withAlice(dir);
    pki.issueEmail("bob", "bob@example.com", "rsa");
    signer = new SoftwareSigner(pki.privateKey("alice", "RSA"), pki.x509("alice"), bc);
    decryptor = new SoftwareDecryptor(pki.privateKey("bob", "RSA"), bc, "bob@example.com");
  }

  private byte[] tripleWrap(ContentCipher cipher) throws Exception {
    SecureRandom random = new SecureRandom();
    var wrapper = new TripleWrapper(
        new SignedMessageWriter(signer, HashAlgorithm.SHA256, false, random),
        new EncryptedMessageWriter(bc, random));
    return wrapper.wrap(MimeInput.parse(MAIL.getBytes(StandardCharsets.US_ASCII)),
        List.of(pki.x509("bob")), new EncryptionSettings(cipher, RecipientIdType.ISSUER_SERIAL,
            RsaKeyTransport.OAEP_SHA256));
  }

  private MessageOpener opener(int maxLayers) throws Exception {
    var verifier = new SignedMessageVerifier(bc, List.of(pki.x509("ca")), SenderCheck.STRICT,
        Clock.systemUTC());
    return new MessageOpener(verifier, decryptor, maxLayers);
  }

  @Test
  void tripleWrap_thenOpen_givesTheExactEntityAndThreeLayers() throws Exception {
    byte[] wrapped = tripleWrap(ContentCipher.AES256_GCM);

    byte[] inner = opener(8).open(wrapped, l -> lines.add(l.describe()));

    assertThat(inner).isEqualTo(ENTITY);
    assertThat(lines).containsExactly("layer 1: signed by alice@example.com (verified)",
        "layer 2: encrypted (AES-256-GCM), decrypted by bob@example.com/software",
        "layer 3: signed by alice@example.com (verified)");
    assertThat(signer.calls()).isEqualTo(2);
    String text = new String(wrapped, StandardCharsets.US_ASCII);
    assertThat(text).startsWith("From: alice@example.com\r\nTo: bob@example.com\r\n"
        + "Subject: payroll\r\nMIME-Version: 1.0\r\nContent-Type: multipart/signed;")
        .contains("Content-Type: application/pkcs7-mime; smime-type=authEnveloped-data")
        .doesNotContain("Salaries");
  }

  @Test
  void tripleWrap_outerSignatureAndDecryptionCheckWithOpenSsl() throws Exception {
    Files.write(dir.resolve("wrapped.eml"), tripleWrap(ContentCipher.AES128_CBC));

    TestPki.Result outer = pki.run("cms", "-verify", "-in", "wrapped.eml", "-CAfile", "ca.pem",
        "-out", "enveloped.eml");
    assertThat(outer.exit()).as(outer.stderr()).isZero();
    TestPki.Result decrypted = pki.run("cms", "-decrypt", "-in", "enveloped.eml",
        "-recip", "bob.pem", "-inkey", "bob.key", "-out", "signed.eml");
    assertThat(decrypted.exit()).as(decrypted.stderr()).isZero();
    TestPki.Result inner = pki.run("cms", "-verify", "-in", "signed.eml", "-CAfile", "ca.pem",
        "-out", "content.txt");
    assertThat(inner.exit()).as(inner.stderr()).isZero();
    assertThat(Files.readAllBytes(dir.resolve("content.txt")))
        .isEqualTo("Content-Type: text/plain; charset=us-ascii\r\n\r\nSalaries attached.\r\n"
            .getBytes(StandardCharsets.US_ASCII));
  }

  @Test
  void open_openSslTripleWrap_opensEveryLayer() throws Exception {
    Files.write(dir.resolve("content.txt"), ENTITY);
    pki.openssl("smime", "-sign", "-in", "content.txt", "-signer", "alice.pem", "-inkey",
        "alice.key", "-out", "signed.eml");
    pki.openssl("smime", "-encrypt", "-aes256", "-in", "signed.eml", "-out", "enc.eml",
        "bob.pem");
    pki.openssl("smime", "-sign", "-nodetach", "-in", "enc.eml", "-signer", "alice.pem",
        "-inkey", "alice.key", "-out", "wrapped.eml");

    byte[] inner = opener(8).open(Files.readAllBytes(dir.resolve("wrapped.eml")),
        l -> lines.add(l.describe()));

    assertThat(inner).isEqualTo(ENTITY);
    assertThat(lines).containsExactly("layer 1: signed by alice@example.com (verified)",
        "layer 2: encrypted (AES-256-CBC), decrypted by bob@example.com/software",
        "layer 3: signed by alice@example.com (verified)");
  }

  /**
   * RFC 3274 compressed-data inside an envelope (found by an interop trial: "unsupported
   * smime-type compressed-data"); Bouncy Castle compresses (Debian's OpenSSL has no zlib),
   * OpenSSL encrypts.
   */
  @Test
  void open_compressedInsideOpenSslEnvelope_inflatesIt() throws Exception {
    Files.write(dir.resolve("compressed.eml"), compressed(ENTITY));
    pki.openssl("smime", "-encrypt", "-aes256", "-in", "compressed.eml", "-out", "enc.eml",
        "bob.pem");

    byte[] inner = opener(8).open(Files.readAllBytes(dir.resolve("enc.eml")),
        l -> lines.add(l.describe()));

    assertThat(inner).isEqualTo(ENTITY);
    assertThat(lines).containsExactly(
        "layer 1: encrypted (AES-256-CBC), decrypted by bob@example.com/software",
        "layer 2: compressed (zlib)");
  }

  /** A few kilobytes of zeros can claim gigabytes: refused at the limit, never held. */
  @Test
  void open_compressedLayerInflatingPastTheLimit_isRefused() throws Exception {
    byte[] bomb = new byte[(int) MessageOpener.MAX_INFLATED_BYTES + 1];
    byte[] message = compressed(bomb);
    assertThat(message.length).isLessThan(1024 * 1024);

    assertThatThrownBy(() -> opener(8).open(message, l -> { }))
        .isInstanceOf(SmimeOperationException.class)
        .hasMessage("layer 1: compressed-data inflates to more than "
            + MessageOpener.MAX_INFLATED_BYTES + " bytes; refused");
  }

  /** {@code entity} as application/pkcs7-mime; smime-type=compressed-data, base64. */
  private static byte[] compressed(byte[] entity) throws Exception {
    byte[] cms = new org.bouncycastle.cms.CMSCompressedDataGenerator().generate(
        new org.bouncycastle.cms.CMSProcessableByteArray(entity),
        new org.bouncycastle.cms.jcajce.ZlibCompressor()).getEncoded();
    return ("Content-Type: application/pkcs7-mime; smime-type=compressed-data;"
        + " name=smime.p7z\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        + java.util.Base64.getMimeEncoder().encodeToString(cms) + "\r\n")
        .getBytes(StandardCharsets.US_ASCII);
  }

  /**
   * Sign, then encrypt, as mail clients do: the headers (From) outside, the signature within.
   * A From naming someone other than the signer must fail the strict check.
   */
  @Test
  void open_signedThenEncrypted_checksTheOuterFromAgainstTheSigner() throws Exception {
    Files.write(dir.resolve("content.txt"), ENTITY);
    pki.openssl("smime", "-sign", "-in", "content.txt", "-signer", "alice.pem", "-inkey",
        "alice.key", "-out", "signed.eml");
    pki.openssl("smime", "-encrypt", "-aes256", "-in", "signed.eml", "-from",
        "mallory@evil.example", "-to", "bob@example.com", "-out", "spoof.eml", "bob.pem");
    pki.openssl("smime", "-encrypt", "-aes256", "-in", "signed.eml", "-from",
        "Alice <alice@example.com>", "-to", "bob@example.com", "-out", "honest.eml", "bob.pem");
    byte[] spoof = Files.readAllBytes(dir.resolve("spoof.eml"));

    assertThatThrownBy(() -> opener(8).open(spoof, l -> { }))
        .isInstanceOf(SmimeOperationException.class)
        .hasMessage("layer 2: From mallory@evil.example is not the signer's address"
            + " alice@example.com");
    var warn = new MessageOpener(new SignedMessageVerifier(bc, List.of(pki.x509("ca")),
        SenderCheck.WARN, Clock.systemUTC()), decryptor, 8);
    List<Layer> layers = new ArrayList<>();
    assertThat(warn.open(spoof, layers::add)).isEqualTo(ENTITY);
    assertThat(((Layer.Signed) layers.get(1)).verification().warnings()).containsExactly(
        "From mallory@evil.example is not the signer's address alice@example.com");
    assertThat(opener(8).open(Files.readAllBytes(dir.resolve("honest.eml")), l -> { }))
        .isEqualTo(ENTITY);
  }

  /** DER with CRLF and bare LF bytes, as Content-Transfer-Encoding: binary carries it. */
  @Test
  void open_binarySignedDataFromOpenSsl_givesTheSignedEntityByteForByte() throws Exception {
    byte[] content = ("Content-Type: application/octet-stream\r\n"
        + "Content-Transfer-Encoding: binary\r\n\r\nline one\r\nbare\nend\r\n")
        .getBytes(StandardCharsets.ISO_8859_1);
    Files.write(dir.resolve("binary.bin"), content);
    pki.openssl("cms", "-sign", "-nodetach", "-binary", "-in", "binary.bin",
        "-signer", "alice.pem", "-inkey", "alice.key", "-outform", "DER", "-out", "sg.der");
    var message = new java.io.ByteArrayOutputStream();
    message.writeBytes(("From: alice@example.com\r\nContent-Type: application/pkcs7-mime;"
        + " smime-type=signed-data; name=smime.p7m\r\nContent-Transfer-Encoding: binary\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII));
    message.writeBytes(Files.readAllBytes(dir.resolve("sg.der")));

    byte[] inner = opener(8).open(message.toByteArray(), l -> lines.add(l.describe()));

    assertThat(inner).isEqualTo(content);
    assertThat(lines).containsExactly("layer 1: signed by alice@example.com (verified)");
  }

  /** As a gateway that relabels S/MIME passes it on: the layer is found from the .p7m name. */
  @Test
  void open_encryptedMessageRelabelledAsOctetStream_opensByItsP7mName() throws Exception {
    Files.write(dir.resolve("content.txt"), ENTITY);
    pki.openssl("smime", "-encrypt", "-aes256", "-in", "content.txt", "-out", "enc.eml",
        "bob.pem");
    String relabelled = Files.readString(dir.resolve("enc.eml"), StandardCharsets.US_ASCII)
        .replaceFirst("Content-Type: application/x-pkcs7-mime;[^\\n]*\\n",
            "Content-Type: application/octet-stream\n");
    assertThat(relabelled).contains("application/octet-stream").contains("smime.p7m");

    byte[] inner = opener(8).open(relabelled.getBytes(StandardCharsets.US_ASCII),
        l -> lines.add(l.describe()));

    assertThat(inner).isEqualTo(ENTITY);
    assertThat(lines).containsExactly(
        "layer 1: encrypted (AES-256-CBC), decrypted by bob@example.com/software");
  }

  /** The .p7m file a mail client saves from an attachment (found by an outside trial). */
  @Test
  void open_rawDerEnvelopedData_decryptsIt() throws Exception {
    Files.write(dir.resolve("content.txt"), ENTITY);
    pki.openssl("cms", "-encrypt", "-aes256", "-binary", "-in", "content.txt", "-outform",
        "DER", "-out", "enc.p7m", "bob.pem");

    byte[] inner = opener(8).open(Files.readAllBytes(dir.resolve("enc.p7m")),
        l -> lines.add(l.describe()));

    assertThat(inner).isEqualTo(ENTITY);
    assertThat(lines).containsExactly(
        "layer 1: encrypted (AES-256-CBC), decrypted by bob@example.com/software");
  }

  @Test
  void open_rawDerSignedData_verifiesIt() throws Exception {
    Files.write(dir.resolve("content.txt"), ENTITY);
    pki.openssl("cms", "-sign", "-nodetach", "-binary", "-in", "content.txt", "-signer",
        "alice.pem", "-inkey", "alice.key", "-outform", "DER", "-out", "signed.p7m");

    byte[] inner = opener(8).open(Files.readAllBytes(dir.resolve("signed.p7m")),
        l -> lines.add(l.describe()));

    assertThat(inner).isEqualTo(ENTITY);
    assertThat(lines).containsExactly("layer 1: signed by alice@example.com (verified)");
  }

  /**
   * gpgsm --sign | gpgsm --encrypt, and the same with OpenSSL: the envelope holds the
   * SignedData itself, no MIME headers. It was handed out unverified as the message (found by
   * an interop trial); binary content that is not CMS (a DER certificate) stays content.
   */
  @Test
  void open_signedDataAsAnEnvelopesContent_opensBoth_otherDerStaysContent() throws Exception {
    Files.write(dir.resolve("content.txt"), ENTITY);
    pki.openssl("cms", "-sign", "-nodetach", "-binary", "-in", "content.txt", "-signer",
        "alice.pem", "-inkey", "alice.key", "-outform", "DER", "-out", "signed.p7m");
    pki.openssl("cms", "-encrypt", "-aes256", "-binary", "-in", "signed.p7m", "-outform",
        "DER", "-out", "enc.p7m", "bob.pem");
    pki.openssl("x509", "-in", "alice.pem", "-outform", "DER", "-out", "alice.der");
    pki.openssl("cms", "-encrypt", "-aes256", "-binary", "-in", "alice.der", "-outform",
        "DER", "-out", "cert.p7m", "bob.pem");

    assertThat(opener(8).open(Files.readAllBytes(dir.resolve("enc.p7m")),
        l -> lines.add(l.describe()))).isEqualTo(ENTITY);
    assertThat(lines).containsExactly(
        "layer 1: encrypted (AES-256-CBC), decrypted by bob@example.com/software",
        "layer 2: signed by alice@example.com (verified)");
    assertThat(opener(8).open(Files.readAllBytes(dir.resolve("cert.p7m")), l -> { }))
        .isEqualTo(Files.readAllBytes(dir.resolve("alice.der")));
  }

  /** PEM and bare base64 forms of a saved .p7m (found by an outside trial). */
  @ParameterizedTest(name = "{0} {1}")
  @CsvSource({"encrypt, PEM", "encrypt, base64", "sign, PEM", "sign, base64"})
  void open_textFormsFromOpenSsl_openTheLayer(String operation, String form) throws Exception {
    Files.write(dir.resolve("content.txt"), ENTITY);
    List<String> how = operation.equals("encrypt") ? List.of("-encrypt", "-aes256", "bob.pem")
        : List.of("-sign", "-nodetach", "-signer", "alice.pem", "-inkey", "alice.key");
    List<String> args = new ArrayList<>(List.of("cms", "-binary", "-in", "content.txt",
        "-outform", form.equals("PEM") ? "PEM" : "DER", "-out", "cms.out"));
    args.addAll(how);
    pki.openssl(args.toArray(String[]::new));
    if (form.equals("base64")) {
      pki.openssl("base64", "-in", "cms.out", "-out", "cms.b64");
    }
    byte[] input = Files.readAllBytes(dir.resolve(form.equals("PEM") ? "cms.out" : "cms.b64"));

    byte[] inner = opener(8).open(input, l -> lines.add(l.describe()));

    assertThat(inner).isEqualTo(ENTITY);
    assertThat(lines).containsExactly(operation.equals("encrypt")
        ? "layer 1: encrypted (AES-256-CBC), decrypted by bob@example.com/software"
        : "layer 1: signed by alice@example.com (verified)");
  }

  @Test
  void open_truncatedRawDer_failsNamingBothLengths() throws Exception {
    Files.write(dir.resolve("content.txt"), ENTITY);
    pki.openssl("cms", "-sign", "-nodetach", "-binary", "-in", "content.txt", "-signer",
        "alice.pem", "-inkey", "alice.key", "-outform", "DER", "-out", "signed.p7m");
    byte[] der = Files.readAllBytes(dir.resolve("signed.p7m"));

    assertThatThrownBy(() -> opener(8).open(java.util.Arrays.copyOf(der, der.length / 2),
        l -> lines.add(l.describe()))).isInstanceOf(SmimeOperationException.class)
        .hasMessage("the CMS is truncated: expected " + der.length + " bytes, got "
            + der.length / 2 + " (a partial download or copy?)");
  }

  @Test
  void open_moreLayersThanAllowed_failsBeforeTouchingTheNextLayer() throws Exception {
    byte[] wrapped = tripleWrap(ContentCipher.AES256_GCM);

    assertThatThrownBy(() -> opener(1).open(wrapped, l -> lines.add(l.describe())))
        .isInstanceOf(SmimeOperationException.class)
        .hasMessage("layer 2: more than 1 nested S/MIME layers");
    assertThat(lines).containsExactly("layer 1: signed by alice@example.com (verified)");
    assertThat(decryptor.calls()).isZero();
  }

  @Test
  void open_tamperedInnerSignature_failsNamingTheLayer() throws Exception {
    SecureRandom random = new SecureRandom();
    byte[] innerSigned = new SignedMessageWriter(signer, HashAlgorithm.SHA256, false, random)
        .detached(MimeInput.parse(MAIL.getBytes(StandardCharsets.US_ASCII)));
    byte[] tampered = new String(innerSigned, StandardCharsets.US_ASCII)
        .replace("Salaries", "Salarios").getBytes(StandardCharsets.US_ASCII);
    byte[] encrypted = new EncryptedMessageWriter(bc, random).encrypt(MimeInput.parse(tampered),
        List.of(pki.x509("bob")), EncryptionSettings.defaults());

    assertThatThrownBy(() -> opener(8).open(encrypted, l -> lines.add(l.describe())))
        .hasMessage("layer 2: signature does not match the content");
    assertThat(lines).hasSize(1);
  }

  @Test
  void open_plainMessage_isNotSmime() {
    assertThatThrownBy(() -> opener(8).open(MAIL.getBytes(StandardCharsets.US_ASCII),
        l -> lines.add(l.describe())))
        .hasMessage("not an S/MIME message: no signed or encrypted layer");
  }

  @Test
  void open_unsupportedSmimeType_failsNamingIt() {
    byte[] message = ("Content-Type: application/pkcs7-mime; smime-type=certs-only\r\n"
        + "Content-Transfer-Encoding: base64\r\n\r\nMAA=\r\n").getBytes(StandardCharsets.US_ASCII);

    assertThatThrownBy(() -> opener(8).open(message, l -> lines.add(l.describe())))
        .hasMessage("layer 1: unsupported smime-type certs-only");
  }

  @Test
  void open_malformedCompressedData_failsNamingIt() {
    byte[] message = ("Content-Type: application/pkcs7-mime; smime-type=compressed-data\r\n"
        + "Content-Transfer-Encoding: base64\r\n\r\nMAA=\r\n").getBytes(StandardCharsets.US_ASCII);

    assertThatThrownBy(() -> opener(8).open(message, l -> lines.add(l.describe())))
        .isInstanceOf(SmimeOperationException.class)
        .hasMessageStartingWith("layer 1: malformed compressed-data");
  }

  @Test
  void open_pkcs7MimeWithoutSmimeType_readsTheCmsContentType() throws Exception {
    byte[] encrypted = new EncryptedMessageWriter(bc, new SecureRandom()).encrypt(
        MimeInput.parse(MAIL.getBytes(StandardCharsets.US_ASCII)), List.of(pki.x509("bob")),
        EncryptionSettings.defaults());
    String text = new String(encrypted, StandardCharsets.US_ASCII);
    byte[] untyped = text.replace(" smime-type=authEnveloped-data;", "")
        .getBytes(StandardCharsets.US_ASCII);
    assertThat(untyped).isNotEqualTo(encrypted);

    byte[] inner = opener(8).open(untyped, l -> lines.add(l.describe()));

    assertThat(inner).isEqualTo(ENTITY);
    assertThat(lines).containsExactly(
        "layer 1: encrypted (AES-256-GCM), decrypted by bob@example.com/software");
  }
}
