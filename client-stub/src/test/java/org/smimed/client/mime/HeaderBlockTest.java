package org.smimed.client.mime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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

  /** RFC 5322 section 4.5.3: receivers accept blanks between a field name and its colon. */
  @Test
  void obsoleteBlankBeforeTheColon_isAField() {
    HeaderBlock h = HeaderBlock.parse(bytes("From: a@example.com\r\nSubject : hi\r\n\r\nBODY"));

    assertThat(h.value("Subject")).hasValue("hi");
    assertThat(h.stray()).isEmpty();
  }

  /**
   * A Subject folded without a leading blank: the fields before it are kept and the line is
   * named, and a writer refuses it (a mail trial's signed message lost From, To and Subject).
   */
  @Test
  void aStrayLineAfterTheFields_endsTheSectionAndIsRefusedByWriters() throws Exception {
    HeaderBlock h = HeaderBlock.parse(bytes("From: a@example.com\r\nSubject: quarterly report"
        + " for the team and everyone\r\nelse who asked\r\nTo: b@example.org\r\n\r\nBODY"));

    assertThat(h.value("From")).hasValue("a@example.com");
    assertThat(h.value("Subject")).hasValue("quarterly report for the team and everyone");
    assertThat(h.stray()).hasValue("else who asked");
    // Read on past it, as Thunderbird does: a From below such a line is what readers see.
    assertThat(h.value("To")).hasValue("b@example.org");
    assertThatThrownBy(h::requireWellFormed).isInstanceOf(SmimeOperationException.class)
        .hasMessage("the header section has a line that is neither a field nor a folded"
            + " continuation: \"else who asked\"; begin a continuation with a space or tab, or"
            + " end the header section with a blank line");
    assertThat(HeaderBlock.parse(bytes(MESSAGE)).requireWellFormed().stray()).isEmpty();
  }

  /**
   * What readers see as fields is what is read (a review): "From : x" on the first line is a
   * field, not an mbox line; a lone CR ends a line.
   */
  @Test
  void fromWithABlankBeforeItsColonFirst_andFieldsAfterALoneCr_areFields() {
    HeaderBlock first = HeaderBlock.parse(bytes("From : ceo@example.com\r\nTo: b@example.org"
        + "\r\n\r\nBODY"));
    HeaderBlock cr = HeaderBlock.parse(bytes("Subject: hi\rFrom: ceo@example.com\r\n"
        + "From: m@example.org\r\n\r\nBODY"));
    HeaderBlock mbox = HeaderBlock.parse(bytes("From ceo@example.com Mon Dec  1 10:00:00 2026\n"
        + "From: a@example.com\n\nBODY"));

    assertThat(first.addresses("From")).hasValue("ceo@example.com");
    assertThat(cr.value("Subject")).hasValue("hi");
    assertThat(cr.addresses("From")).hasValue("ceo@example.com, m@example.org");
    assertThat(mbox.addresses("From")).hasValue("a@example.com");
  }

  /** Text that begins "Word:" is a bare body, as it always was (a review: notes refused). */
  @Test
  void textStartingWithAWordAndAColon_isABareBody() throws Exception {
    HeaderBlock h = HeaderBlock.parse(bytes("Agenda:\n1. item one\n2. item two\n"));

    assertThat(h.headers()).isEmpty();
    assertThat(h.bodyOffset()).isZero();
    assertThat(h.requireWellFormed().stray()).isEmpty();
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.ISO_8859_1);
  }
}
