package org.smimed.client.mime;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** A body without Content-Type is declared in the charset it is in, not always us-ascii. */
class DeclaredCharsetTest {

  @Test
  void sevenBitText_isUsAscii() {
    assertThat(DeclaredCharset.of(utf8("plain text\r\n"))).isEqualTo(DeclaredCharset.US_ASCII);
    assertThat(DeclaredCharset.of(new byte[0])).isEqualTo(DeclaredCharset.US_ASCII);
  }

  @Test
  void validUtf8_isUtf8_evenSplitAcrossReads() {
    assertThat(DeclaredCharset.of(utf8("Gr\u00fc\u00dfe \u20ac \uD83D\uDE00")))
        .isEqualTo(DeclaredCharset.UTF_8);
    for (int split = 65_533; split <= 65_536; split++) { // every place in the 64 KiB read
      byte[] body = utf8("a".repeat(split) + "\uD83D\uDE00 \u20ac");
      assertThat(DeclaredCharset.of(body)).as("split at %d", split)
          .isEqualTo(DeclaredCharset.UTF_8);
    }
  }

  @Test
  void otherEightBitText_isUnknown8bit() {
    assertThat(DeclaredCharset.of("caf\u00e9".getBytes(StandardCharsets.ISO_8859_1)))
        .isEqualTo(DeclaredCharset.UNKNOWN_8BIT);
    // valid UTF-8 up to a sequence the input cut short
    byte[] cut = utf8("caf\u00e9 \u20ac");
    assertThat(DeclaredCharset.of(java.util.Arrays.copyOf(cut, cut.length - 1)))
        .isEqualTo(DeclaredCharset.UNKNOWN_8BIT);
    // an invalid byte far past the first read
    byte[] late = utf8("\u00e9" + "a".repeat(200_000) + "x");
    late[late.length - 1] = (byte) 0xff;
    assertThat(DeclaredCharset.of(late)).isEqualTo(DeclaredCharset.UNKNOWN_8BIT);
  }

  @Test
  void entityWithoutContentType_declaresItsBodysCharset() {
    assertThat(typeOf("Subject: hi\n\ncaf\u00e9\n".getBytes(StandardCharsets.UTF_8)))
        .isEqualTo("Content-Type: text/plain; charset=utf-8\r\n");
    assertThat(typeOf("Subject: hi\n\ncaf\u00e9\n".getBytes(StandardCharsets.ISO_8859_1)))
        .isEqualTo("Content-Type: text/plain; charset=unknown-8bit\r\n");
    assertThat(typeOf(utf8("Subject: hi\n\ncafe\n")))
        .isEqualTo("Content-Type: text/plain; charset=us-ascii\r\n");
    // a type the sender gave is never second-guessed
    assertThat(typeOf(utf8("Content-Type: text/plain; charset=iso-8859-1\n\ncaf\u00e9\n")))
        .isEqualTo("Content-Type: text/plain; charset=iso-8859-1\r\n");
  }

  private static String typeOf(byte[] message) {
    return MimeInput.parse(message).contentHeaders().get(0).raw();
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
