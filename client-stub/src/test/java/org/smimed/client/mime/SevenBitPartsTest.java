package org.smimed.client.mime;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** The streaming re-encoder of 8bit parts, at the edges of its line handling. */
class SevenBitPartsTest {
  private static final String HEAD = "--b\r\nContent-Type: application/octet-stream\r\n"
      + "Content-Transfer-Encoding: 8bit\r\n\r\n";

  private static byte[] rewrite(String body, boolean byteByByte) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] bytes = body.getBytes(StandardCharsets.ISO_8859_1);
    try (SevenBitParts parts = new SevenBitParts(out, "b", false)) {
      if (byteByByte) {
        for (byte x : bytes) {
          parts.write(x);
        }
      } else {
        parts.write(bytes);
      }
    }
    return out.toByteArray();
  }

  /** The part's base64, decoded: its content, without the CRLF that belongs to the delimiter. */
  private static String decodedPart(byte[] rewritten) {
    String text = new String(rewritten, StandardCharsets.ISO_8859_1);
    int start = text.indexOf("base64\r\n\r\n") + "base64\r\n\r\n".length();
    int end = text.indexOf("\r\n--b--");
    return new String(Base64.getMimeDecoder().decode(text.substring(start, end)),
        StandardCharsets.ISO_8859_1);
  }

  @Test
  void aLineLongerThanADelimiterCanBe_isEncodedWhole() throws Exception {
    String content = "x\u00e9".repeat(2000) + "\r\nlast line";
    String body = HEAD + content + "\r\n--b--\r\n";

    byte[] atOnce = rewrite(body, false);

    assertThat(decodedPart(atOnce)).isEqualTo(content);
    assertThat(rewrite(body, true)).isEqualTo(atOnce);
    assertThat(new String(atOnce, StandardCharsets.ISO_8859_1)).matches("[\\x00-\\x7f]*")
        .endsWith("\r\n--b--\r\n");
  }

  @Test
  void aPartEndingInABlankLine_keepsIt_andAnEmptyPartStaysEmpty() throws Exception {
    String body = HEAD + "\u00e9\r\n\r\n" + "\r\n" + HEAD + "\r\n--b--\r\n";

    String text = new String(rewrite(body, false), StandardCharsets.ISO_8859_1);

    int first = text.indexOf("base64\r\n\r\n") + "base64\r\n\r\n".length();
    assertThat(new String(Base64.getMimeDecoder().decode(
        text.substring(first, text.indexOf("\r\n--b\r\n", first))), StandardCharsets.ISO_8859_1))
        .isEqualTo("\u00e9\r\n\r\n");
    assertThat(text).endsWith("base64\r\n\r\n\r\n--b--\r\n");
  }

  /** A part without its closing delimiter (a cut message) is still encoded to its end. */
  @Test
  void aCutBody_endsTheEncoding() throws Exception {
    String text = new String(rewrite(HEAD + "caf\u00e9", false), StandardCharsets.ISO_8859_1);

    assertThat(text).endsWith("base64\r\n\r\nY2Fm6Q==\r\n");
  }

  /**
   * Found by a trial: a long last line before a delimiter gained a CRLF when its CR came
   * apart from its LF (StreamEncodings.crlf writes the CR alone).
   */
  @Test
  void aLongLastLine_keepsItsContentExactly_howeverTheBytesArrive() throws Exception {
    String content = "x\u00e9".repeat(600);
    String body = HEAD + content + "\r\n--b--\r\n";

    assertThat(decodedPart(rewrite(body, false))).isEqualTo(content);
    assertThat(decodedPart(rewrite(body, true))).isEqualTo(content);
  }

  /** Found by a trial: what the header parser skipped was lost with the rewritten fields. */
  @Test
  void aHeaderSectionNotReadAsItStands_isLeftAsItIs() throws Exception {
    String crcrlf = HEAD.replace("8bit\r\n\r\n", "8bit\r\n\r\r\n") + "first caf\u00e9\r\n"
        + "last\r\n--b--\r\n";
    String bom = "--b\r\n\u00ef\u00bb\u00bfContent-Type: text/plain\r\n"
        + "Content-Transfer-Encoding: 8bit\r\n\r\ncaf\u00e9\r\n--b--\r\n";

    assertThat(new String(rewrite(crcrlf, false), StandardCharsets.ISO_8859_1))
        .isEqualTo(crcrlf);
    assertThat(new String(rewrite(bom, false), StandardCharsets.ISO_8859_1)).isEqualTo(bom);
  }

  /** RFC 2046 5.1.5: a digest's parts are message/rfc822 unless labelled otherwise. */
  @Test
  void aDigestsUnlabelledPart_isAMessage_andLeftAsItIs() throws Exception {
    String digest = "--b\r\nContent-Transfer-Encoding: 8bit\r\n\r\nSubject: fwd\r\n\r\n"
        + "caf\u00e9\r\n--b--\r\n";
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (SevenBitParts parts = new SevenBitParts(out, "b", true)) {
      parts.write(digest.getBytes(StandardCharsets.ISO_8859_1));
    }

    assertThat(out.toString(StandardCharsets.ISO_8859_1)).isEqualTo(digest);
  }

  /**
   * Found by a trial: a closed multipart's boundary, or one a text part names, still cut the
   * next part's text; and Java's isBlank took control characters for padding.
   */
  @Test
  void onlyOpenMultipartsDelimit_andOnlySpacesOrTabsPad() throws Exception {
    String body = "--b\r\nContent-Type: multipart/alternative; boundary=inner\r\n\r\n"
        + "--inner\r\nContent-Type: text/plain\r\n\r\nx\r\n--inner--\r\n"
        + "--b\r\nContent-Type: text/plain; boundary=fake\r\n"
        + "Content-Transfer-Encoding: 8bit\r\n\r\nquoted:\r\n--inner\r\n--fake\r\n"
        + "--b--\u001c\r\nh\u00e9\r\n--b--\r\n";

    String text = new String(rewrite(body, false), StandardCharsets.ISO_8859_1);

    String encoded = text.substring(text.lastIndexOf("base64\r\n\r\n") + 10,
        text.lastIndexOf("\r\n--b--\r\n"));
    assertThat(new String(Base64.getMimeDecoder().decode(encoded), StandardCharsets.ISO_8859_1))
        .isEqualTo("quoted:\r\n--inner\r\n--fake\r\n--b--\u001c\r\nh\u00e9");
  }

  /** A CR or LF outside CRLF is binary in what goes out (RFC 2045 2.7), not 8bit. */
  @Test
  void bareLineEndsInOutput_areBinary() {
    assertThat(TransferClass.ofOutput("\u00e9a\nb\r\n".getBytes(StandardCharsets.ISO_8859_1)))
        .isEqualTo(TransferClass.BINARY);
    assertThat(TransferClass.ofOutput("\u00e9a\rb\r\n".getBytes(StandardCharsets.ISO_8859_1)))
        .isEqualTo(TransferClass.BINARY);
    assertThat(TransferClass.ofOutput("\u00e9a\r\n".getBytes(StandardCharsets.ISO_8859_1)))
        .isEqualTo(TransferClass.EIGHT_BIT);
    assertThat(TransferClass.of("a\nb\n".getBytes(StandardCharsets.ISO_8859_1)))
        .as("input is read with any line ends").isEqualTo(TransferClass.SEVEN_BIT);
  }
}
