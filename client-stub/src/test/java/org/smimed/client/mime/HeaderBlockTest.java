package org.smimed.client.mime;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class HeaderBlockTest {
  private static final String MESSAGE = "From: alice@example.com\r\n"
      + "Content-Type: application/pkcs7-mime; smime-type=enveloped-data\r\n\r\nBODY";

  @Test
  void plainMessage_hasItsFieldsAndBody() {
    HeaderBlock h = HeaderBlock.parse(bytes(MESSAGE));

    assertThat(h.value("Content-Type")).hasValueSatisfying(v -> assertThat(v)
        .contains("application/pkcs7-mime"));
    assertThat(MESSAGE.substring(h.bodyOffset())).isEqualTo("BODY");
  }

  /** As mutt and other mbox writers save a message (RFC 4155). */
  @Test
  void mboxFromLine_isNotTakenForTheStartOfTheBody() {
    String saved = "From alice@example.com Sun Nov 29 10:00:00 2026\n" + MESSAGE;

    HeaderBlock h = HeaderBlock.parse(bytes(saved));

    assertThat(h.value("From")).contains("alice@example.com");
    assertThat(h.value("Content-Type")).isPresent();
    assertThat(saved.substring(h.bodyOffset())).isEqualTo("BODY");
  }

  @Test
  void byteOrderMark_isSkipped() {
    byte[] bom = {(byte) 0xef, (byte) 0xbb, (byte) 0xbf};
    byte[] input = new byte[bom.length + MESSAGE.length()];
    System.arraycopy(bom, 0, input, 0, 3);
    System.arraycopy(bytes(MESSAGE), 0, input, 3, MESSAGE.length());

    HeaderBlock h = HeaderBlock.parse(input);

    assertThat(h.value("Content-Type")).isPresent();
    assertThat(h.bodyOffset()).isEqualTo(input.length - 4);
  }

  @Test
  void textWithoutHeaders_hasNone() {
    assertThat(HeaderBlock.parse(bytes("just text\n\nmore")).headers()).isEmpty();
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.ISO_8859_1);
  }
}
