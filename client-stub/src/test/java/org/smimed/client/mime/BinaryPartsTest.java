package org.smimed.client.mime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A binary part inside a multipart not labelled binary is refused before signing or
 * encrypting (a mail trial: its bare LFs became CRLF under a signature that verified).
 */
class BinaryPartsTest {
  private static String multipart(String outerEncoding, String partEncoding) {
    return "From: a@example.com\r\nContent-Type: multipart/mixed; boundary=b\r\n"
        + outerEncoding + "\r\n--b\r\nContent-Type: text/plain\r\n\r\nhello\r\n"
        + "--b\r\nContent-Type: application/octet-stream\r\n" + partEncoding
        + "\r\nbytes\nwith a lone LF\r\n--b--\r\n";
  }

  @Test
  void binaryPartInAnUnlabelledMultipart_isRefused(@TempDir Path dir) throws Exception {
    String message = multipart("", "Content-Transfer-Encoding: BINARY\r\n");
    Path file = Files.writeString(dir.resolve("m.eml"), message, StandardCharsets.ISO_8859_1);

    assertThatThrownBy(() -> MimeInput.checked(message.getBytes(StandardCharsets.ISO_8859_1)))
        .isInstanceOf(SmimeOperationException.class)
        .hasMessageStartingWith("a part inside the entity is labelled Content-Transfer-Encoding:"
            + " binary, but the entity around it is not");
    assertThatThrownBy(() -> MimeFile.open(file)).isInstanceOf(SmimeOperationException.class);
  }

  /** A text part may quote the field in its body without being a binary part. */
  @Test
  void theFieldQuotedInAPartsBody_isNotALabel() throws Exception {
    String quoted = "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
        + "Content-Type: text/plain\r\n\r\nOur gateway wrote:\r\n"
        + "Content-Transfer-Encoding: binary\r\nand broke the mail.\r\n--b--\r\n";

    assertThat(MimeInput.checked(quoted.getBytes(StandardCharsets.ISO_8859_1)).outerHeaders())
        .isEmpty();
  }

  /**
   * Only the entity's own boundaries delimit parts: a text part quoting a delimiter-like line
   * and the field is not a binary part (found by a review); a folded label is still one.
   */
  @Test
  void aQuotedDelimiterIsNoPart_butAFoldedLabelIsALabel() throws Exception {
    String quoted = "Content-Type: multipart/mixed; boundary=\"Outer\"\r\n\r\n--Outer\r\n"
        + "Content-Type: text/plain\r\n\r\nThe gateway wrote:\r\n--boundary42\r\n"
        + "Content-Transfer-Encoding: binary\r\n\r\nand broke the mail.\r\n--Outer--\r\n";
    String folded = "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
        + "Content-Type: multipart/alternative;\r\n boundary=inner\r\n\r\n--inner\r\n"
        + "Content-Type: application/octet-stream\r\nContent-Transfer-Encoding:\r\n binary\r\n"
        + "\r\nbytes\n--inner--\r\n--b--\r\n";

    assertThat(MimeInput.checked(quoted.getBytes(StandardCharsets.ISO_8859_1)).outerHeaders())
        .isEmpty();
    assertThatThrownBy(() -> MimeInput.checked(folded.getBytes(StandardCharsets.ISO_8859_1)))
        .isInstanceOf(SmimeOperationException.class)
        .hasMessageStartingWith("a part inside the entity is labelled");
  }

  /** A forwarded message's parts are parts too (found by a review). */
  @Test
  void binaryPartInsideAForwardedMessage_isRefused() {
    String forwarded = "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
        + "Content-Type: message/rfc822\r\n\r\nFrom: x@example.com\r\n"
        + "Content-Type: multipart/mixed; boundary=fwd\r\n\r\n--fwd\r\n"
        + "Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\n"
        + "\r\nbytes\n--fwd--\r\n--b--\r\n";

    assertThatThrownBy(() -> MimeInput.checked(forwarded.getBytes(StandardCharsets.ISO_8859_1)))
        .isInstanceOf(SmimeOperationException.class)
        .hasMessageStartingWith("a part inside the entity is labelled");
  }

  @Test
  void binaryPartInAMultipartLabelledBinary_orABase64Part_isAccepted(@TempDir Path dir)
      throws Exception {
    String labelled = multipart("Content-Transfer-Encoding: binary\r\n",
        "Content-Transfer-Encoding: binary\r\n");
    String base64 = multipart("", "Content-Transfer-Encoding: base64\r\n");

    assertThat(MimeInput.checked(labelled.getBytes(StandardCharsets.ISO_8859_1)).from())
        .hasValue("a@example.com");
    assertThat(MimeInput.checked(base64.getBytes(StandardCharsets.ISO_8859_1)).from())
        .hasValue("a@example.com");
    assertThat(MimeFile.open(Files.writeString(dir.resolve("m.eml"), base64,
        StandardCharsets.ISO_8859_1)).headers().from()).hasValue("a@example.com");
  }
}
