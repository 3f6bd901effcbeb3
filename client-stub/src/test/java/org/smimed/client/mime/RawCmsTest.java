package org.smimed.client.mime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.smimed.client.TestPki;

/** The forms a CMS object is saved in without MIME headers, as OpenSSL writes them. */
class RawCmsTest {
  @TempDir Path dir;
  private TestPki pki;
  private byte[] der;

  @BeforeEach
  void setUp() throws Exception {
    pki = TestPki.withAlice(dir, "Content-Type: text/plain\r\n\r\nhello\r\n");
    pki.openssl("cms", "-sign", "-nodetach", "-binary", "-in", "content.txt", "-signer",
        "alice.pem", "-inkey", "alice.key", "-outform", "DER", "-out", "signed.der");
    der = Files.readAllBytes(dir.resolve("signed.der"));
  }

  private String text(String... opensslArgs) throws Exception {
    pki.openssl(opensslArgs);
    return Files.readString(dir.resolve("out.txt"), StandardCharsets.US_ASCII);
  }

  private String pem() throws Exception {
    return text("cms", "-cmsout", "-inform", "DER", "-in", "signed.der", "-outform", "PEM",
        "-out", "out.txt");
  }

  private String base64() throws Exception {
    return text("base64", "-in", "signed.der", "-out", "out.txt");
  }

  private static byte[] ascii(String text) {
    return text.getBytes(StandardCharsets.US_ASCII);
  }

  @Test
  void der_isTheCmsAsItIs() throws Exception {
    assertThat(RawCms.cms(der)).hasValue(der);
  }

  /** A new-user trial: a saved .p7m with a line end after it was a "malformed signature". */
  @ParameterizedTest
  @ValueSource(strings = {"\n", "\r\n", " \r\n\n\t"})
  void derFollowedByLineEnds_isTheCmsWithoutThem(String after) throws Exception {
    byte[] saved = java.util.Arrays.copyOf(der, der.length + after.length());
    System.arraycopy(ascii(after), 0, saved, der.length, after.length());

    assertThat(RawCms.cms(saved)).hasValue(der);
    assertThat(SignedMessage.parse(saved).cms()).isEqualTo(der);
  }

  @Test
  void derFollowedByOtherBytes_isRefusedNamingThem() {
    byte[] appended = java.util.Arrays.copyOf(der, der.length + 3);
    appended[der.length] = 'x';

    assertThatThrownBy(() -> RawCms.cms(appended)).isInstanceOf(SmimeOperationException.class)
        .hasMessage("3 bytes after the CMS, whose DER length says it ends at byte " + der.length
            + " (something appended to the file?)");
  }

  @Test
  void pemFromOpenSslCms_isDecoded() throws Exception {
    String pem = pem();

    assertThat(pem).startsWith("-----BEGIN CMS-----\n");
    assertThat(RawCms.cms(ascii(pem))).hasValue(der);
  }

  @Test
  void pkcs7PemFromOpenSslSmime_isDecoded() throws Exception {
    pki.openssl("smime", "-sign", "-nodetach", "-binary", "-in", "content.txt", "-signer",
        "alice.pem", "-inkey", "alice.key", "-outform", "PEM", "-out", "out.txt");
    String pem = Files.readString(dir.resolve("out.txt"), StandardCharsets.US_ASCII);
    byte[] expected = pki.openssl("pkcs7", "-in", "out.txt", "-inform", "PEM", "-outform",
        "DER");

    assertThat(pem).startsWith("-----BEGIN PKCS7-----\n");
    assertThat(RawCms.cms(ascii(pem))).hasValue(expected);
  }

  /** Found by an outside trial: gpgsm --armor writes its own labels around the same CMS. */
  @ParameterizedTest
  @ValueSource(strings = {"ENCRYPTED MESSAGE", "SIGNED MESSAGE"})
  void gpgsmArmour_isDecoded(String label) throws Exception {
    String armour = pem().replace("BEGIN CMS", "BEGIN " + label)
        .replace("END CMS", "END " + label);

    assertThat(RawCms.cms(ascii(armour))).hasValue(der);
  }

  @Test
  void bareBase64_isDecoded() throws Exception {
    assertThat(RawCms.cms(ascii(base64()))).hasValue(der);
  }

  /** Pasted text: CRLF line ends, blank lines before, white space around. */
  @Test
  void pemWithCrlfAndSurroundingWhiteSpace_isDecoded() throws Exception {
    String pem = "\r\n  \r\n" + pem().replace("\n", "\r\n") + "\r\n\r\n";

    assertThat(RawCms.cms(ascii(pem))).hasValue(der);
  }

  @Test
  void base64OnOneLine_isDecoded() throws Exception {
    String oneLine = java.util.Base64.getEncoder().encodeToString(der);

    assertThat(RawCms.cms(ascii(oneLine))).hasValue(der);
  }

  /** Header lines have a colon; base64 of anything but a long SEQUENCE is not CMS either. */
  @ParameterizedTest
  @ValueSource(strings = {"MIME-Version: 1.0\nContent-Type: text/plain\n\nhi\n",
      "MIIB: a header named like base64\n\nhi\n", "aGVsbG8gd29ybGQ=\n", "hello\n", "",
      " \n", "-----BEGIN\n"})
  void somethingElse_isLeftToTheMimeParser(String input) throws Exception {
    assertThat(RawCms.cms(ascii(input))).isEmpty();
  }

  @Test
  void pemOfSomethingElse_isRefusedByName() throws Exception {
    byte[] cert = Files.readAllBytes(pki.cert("alice"));

    assertThatThrownBy(() -> RawCms.cms(cert)).isInstanceOf(SmimeOperationException.class)
        .hasMessage("not CMS: a PEM CERTIFICATE block (expected -----BEGIN CMS-----,"
            + " -----BEGIN PKCS7----- or gpgsm's -----BEGIN ENCRYPTED MESSAGE----- /"
            + " -----BEGIN SIGNED MESSAGE-----)");
  }

  @Test
  void base64WithSomethingElseFurtherOn_isRefusedNamingTheLine() throws Exception {
    String text = base64().replaceFirst("\n", "\nSubject: x\n");

    assertThatThrownBy(() -> RawCms.cms(ascii(text)))
        .hasMessage("malformed base64 CMS: ':' is not base64 (line 2)");
  }

  @Test
  void pemWithoutEndLine_isRefused() throws Exception {
    String pem = pem().replace("-----END CMS-----\n", "");

    assertThatThrownBy(() -> RawCms.cms(ascii(pem)))
        .hasMessage("malformed PEM CMS: no -----END CMS----- line");
  }

  @Test
  void pemWithAnotherEndLine_isRefused() throws Exception {
    String pem = pem().replace("END CMS", "END PKCS7");

    assertThatThrownBy(() -> RawCms.cms(ascii(pem)))
        .hasMessageStartingWith("malformed PEM CMS: expected -----END CMS-----");
  }

  @Test
  void pemWithTextAfterTheEndLine_isRefused() throws Exception {
    String pem = pem() + "-----BEGIN CMS-----\n";

    assertThatThrownBy(() -> RawCms.cms(ascii(pem)))
        .hasMessageStartingWith("malformed PEM CMS: text after the -----END CMS----- line");
  }

  @Test
  void pemWithNothingInside_isRefused() {
    assertThatThrownBy(() -> RawCms.cms(ascii("-----BEGIN CMS-----\n-----END CMS-----\n")))
        .hasMessage("malformed PEM CMS: no base64 data");
  }

  @Test
  void base64CutOffInsideAGroup_isRefused() throws Exception {
    String text = base64().strip();
    String cut = text.substring(0, text.length() - 2);

    assertThatThrownBy(() -> RawCms.cms(ascii(cut))).hasMessage(
        "malformed base64 CMS: the text is cut off inside a group of four characters");
  }

  @Test
  void base64WithDataAfterPadding_isRefused() {
    assertThatThrownBy(() -> RawCms.cms(ascii("MIIBAA==\nMIIB\n")))
        .hasMessage("malformed base64 CMS: base64 after '=' padding (line 2)");
  }

  @Test
  void checkedDerCutShort_isTruncated_sayingHowMuchIsMissing() throws Exception {
    // Longer than the peek: noticed where the input ends, not from its first bytes.
    assertThat(der.length).isGreaterThan(RawCms.PEEK);
    byte[] cut = java.util.Arrays.copyOf(der, der.length - 100);

    assertThatThrownBy(() -> checked(cut)).isInstanceOf(TruncatedCmsException.class)
        .hasMessage("truncated DER: expected " + der.length + " bytes, got " + cut.length);
  }

  @Test
  void checkedDerCutInsideItsLengthOctets_isTruncated() {
    byte[] cut = {0x30, (byte) 0x83, 0x01};

    assertThatThrownBy(() -> checked(cut)).isInstanceOf(TruncatedCmsException.class)
        .hasMessage("truncated DER: expected 5 bytes, got 3");
  }

  @Test
  void checkedDer_whole_passesUnchanged() throws Exception {
    assertThat(checked(der)).isEqualTo(der);
  }

  @Test
  void checkedIndefiniteLengthBer_passesThrough_whereverItEnds() throws Exception {
    // BER says nothing of its size: the daemon judges where it should end.
    byte[] ber = {0x30, (byte) 0x80, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86,
        (byte) 0xf7, 0x0d, 0x01, 0x07, 0x03};

    assertThat(checked(ber)).isEqualTo(ber);
  }

  @Test
  void checkedDerWithBytesAfterItsLength_isLeftForTheDaemonToJudge() throws Exception {
    byte[] longer = java.util.Arrays.copyOf(der, der.length + 1);

    assertThat(checked(longer)).isEqualTo(longer);
  }

  /** The CMS of {@code input} read through {@link RawCms#checkedCmsStream}. */
  private static byte[] checked(byte[] input) throws Exception {
    return RawCms.checkedCmsStream(new java.io.PushbackInputStream(
        new java.io.ByteArrayInputStream(input), RawCms.PEEK)).orElseThrow().readAllBytes();
  }
}
