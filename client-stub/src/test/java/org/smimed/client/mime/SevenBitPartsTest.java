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
    try (SevenBitParts parts = new SevenBitParts(out, "b")) {
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
}
