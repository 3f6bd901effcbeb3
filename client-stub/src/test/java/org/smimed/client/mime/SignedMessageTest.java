package org.smimed.client.mime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SignedMessageTest {
  /** Stands in for DER: bare LF, CRLF, lone CR, NUL and 8-bit bytes, as real DER has. */
  private static final byte[] CMS = {0x30, 0x0a, '\n', '\r', '\n', '\r', 0, (byte) 0xff, '\n'};

  private static byte[] message(String header, byte[] body) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(header.getBytes(StandardCharsets.US_ASCII));
    out.writeBytes(body);
    return out.toByteArray();
  }

  @ParameterizedTest
  @ValueSource(strings = {"binary", "8bit", "7bit", "Binary (raw DER, \\) (nested))"})
  void parse_opaqueSignedDataWithIdentityEncoding_keepsTheCmsByteForByte(String encoding)
      throws Exception {
    byte[] message = message("From: alice@example.com\r\n"
        + "Content-Type: application/pkcs7-mime; smime-type=signed-data; name=smime.p7m\r\n"
        + "Content-Transfer-Encoding: " + encoding + "\r\n\r\n", CMS);

    SignedMessage parsed = SignedMessage.parse(message);

    assertThat(parsed.cms()).isEqualTo(CMS);
    assertThat(parsed.content()).isNull();
    assertThat(parsed.from()).contains("alice@example.com");
  }

  /** Quoted-printable is legal around CMS, if rare: every byte comes back, line ends too. */
  @Test
  void parse_opaqueSignedDataInQuotedPrintable_decodesTheCmsByteForByte() throws Exception {
    // Binary QP: CR and LF as =0D =0A (a text encoder would turn them into line breaks),
    // with a soft line break in the middle.
    StringBuilder body = new StringBuilder();
    for (int i = 0; i < CMS.length; i++) {
      int b = CMS[i] & 0xff;
      body.append(b > 32 && b < 127 && b != '=' ? String.valueOf((char) b)
          : String.format("=%02X", b));
      if (i == 4) {
        body.append("=\r\n");
      }
    }
    byte[] message = message("Content-Type: application/pkcs7-mime; smime-type=signed-data\r\n"
        + "Content-Transfer-Encoding: quoted-printable\r\n\r\n",
        body.toString().getBytes(StandardCharsets.US_ASCII));

    assertThat(SignedMessage.parse(message).cms()).isEqualTo(CMS);
  }

  /** Base64 labelled 7bit: verify said "input ends inside a header" (an interop trial). */
  @Test
  void parse_opaqueSignedDataInBase64Labelled7bit_decodesTheBase64() throws Exception {
    byte[] der = new byte[200];
    der[0] = 0x30;
    der[1] = (byte) 0x81;
    der[2] = (byte) 197;
    byte[] message = message("Content-Type: application/pkcs7-mime; smime-type=signed-data\n"
        + "Content-Transfer-Encoding: 7bit\n\n", java.util.Base64.getMimeEncoder()
        .encode(der));

    assertThat(SignedMessage.parse(message).cms()).isEqualTo(der);
  }

  @Test
  void parse_opaqueSignedDataUnderLfOnlyHeaders_keepsTheCmsByteForByte() throws Exception {
    byte[] message = message("Content-Type: application/pkcs7-mime; smime-type=signed-data\n"
        + "Content-Transfer-Encoding: binary\n\n", CMS);

    assertThat(SignedMessage.parse(message).cms()).isEqualTo(CMS);
  }

  /** RFC 1847 section 2.1: exactly two parts; a third would pass unsigned beside "Verified". */
  @Test
  void parse_multipartSignedWithAThirdPart_isRefused() {
    String three = "Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\";"
        + " micalg=sha-256; boundary=b\r\n\r\n"
        + "--b\r\nContent-Type: text/plain\r\n\r\nsigned\r\n"
        + "--b\r\nContent-Type: application/pkcs7-signature\r\n"
        + "Content-Transfer-Encoding: base64\r\n\r\nMAoKDQ==\r\n"
        + "--b\r\nContent-Type: text/html\r\n\r\n<h1>wire the money</h1>\r\n--b--\r\n";

    assertThatThrownBy(() -> SignedMessage.parse(three.getBytes(StandardCharsets.US_ASCII)))
        .isInstanceOf(SmimeOperationException.class)
        .hasMessage("multipart/signed with more than two parts: a multipart/signed has exactly"
            + " two (RFC 1847 section 2.1), the signed part and the signature");
  }

  @Test
  void parse_multipartSignedClosedAfterOnePart_isRefused() {
    String one = "Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\";"
        + " micalg=sha-256; boundary=b\r\n\r\n"
        + "--b\r\nContent-Type: text/plain\r\n\r\nsigned\r\n--b--\r\n"
        + "--b\r\nContent-Type: application/pkcs7-signature\r\n\r\nMAoKDQ==\r\n--b--\r\n";

    assertThatThrownBy(() -> SignedMessage.parse(one.getBytes(StandardCharsets.US_ASCII)))
        .isInstanceOf(SmimeOperationException.class)
        .hasMessage("multipart/signed: second part missing");
  }

  /** What a sender hashed is the CRLF form, even when a relay stored the message with LF. */
  @Test
  void parse_multipartSignedWithLfLineEnds_givesTheCanonicalSignedPart() throws Exception {
    String lf = "Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\";"
        + " micalg=sha-256; boundary=b\n\n"
        + "--b\nContent-Type: text/plain\n\nline one\nline two\n"
        + "--b\nContent-Type: application/pkcs7-signature\nContent-Transfer-Encoding: base64\n\n"
        + "MAoKDQ==\n--b--\n";

    SignedMessage parsed = SignedMessage.parse(lf.getBytes(StandardCharsets.US_ASCII));

    assertThat(new String(parsed.content(), StandardCharsets.US_ASCII))
        .isEqualTo("Content-Type: text/plain\r\n\r\nline one\r\nline two");
    assertThat(parsed.cms()).isEqualTo(new byte[] {0x30, 0x0a, 0x0a, 0x0d});
  }
}
