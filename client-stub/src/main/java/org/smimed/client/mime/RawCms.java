package org.smimed.client.mime;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PushbackInputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A CMS object saved as it is, without MIME headers, in the forms tools write it: DER or BER
 * (the .p7m file a mail client saves from an S/MIME attachment, {@code openssl cms -outform
 * DER}), PEM ({@code -----BEGIN CMS-----} from {@code openssl cms -outform PEM},
 * {@code -----BEGIN PKCS7-----} from {@code openssl smime -outform PEM}), or bare base64 (an
 * S/MIME body without its headers).
 *
 * <p>Guarantees: the form is decided from the first {@link #PEEK} bytes, and only where no
 * MIME header section can start so:
 * <ul>
 *   <li>DER/BER: an ASN.1 SEQUENCE tag and an indefinite or long-form length (0x30, then 0x80
 *       or more). A field name is printable ASCII, and every S/MIME ContentInfo is longer than
 *       127 bytes.
 *   <li>PEM: after optional white space (space, tab, CR, LF), a {@code -----BEGIN CMS-----},
 *       {@code -----BEGIN PKCS7-----} or (old Netscape tools) {@code -----BEGIN PKCS #7 SIGNED
 *       DATA-----} line. A PEM block with another label is refused by name.
 *   <li>base64: after optional white space, a first line (its first {@link #PEEK} bytes) of
 *       base64 characters only, encoding such a SEQUENCE (it starts "MI"). A header line has a
 *       colon, which is not base64.
 * </ul>
 * Text is decoded strictly by {@link CmsText}: the whole input must be base64 (and, for PEM,
 * its armour). Anything else is not raw CMS and is left, unread, to the MIME parser.
 */
final class RawCms {
  /** Bytes of pushback {@link #cmsStream} needs. */
  static final int PEEK = 1024;
  /** OpenSSL's (CMS, PKCS7), RFC 7468's legacy one, and gpgsm --armor's two. */
  private static final Set<String> PEM_LABELS = Set.of("CMS", "PKCS7", "PKCS #7 SIGNED DATA",
      "ENCRYPTED MESSAGE", "SIGNED MESSAGE");
  private static final Pattern PEM_BEGIN = Pattern.compile("-----BEGIN ([ -,.-~]{0,64})-----");
  private static final Pattern BASE64_LINE = Pattern.compile("[A-Za-z0-9+/]{4}[A-Za-z0-9+/=]*");
  private static final byte[] HEADERS = ("Content-Type: application/pkcs7-mime; name=smime.p7m"
      + "\r\nContent-Transfer-Encoding: binary\r\n\r\n").getBytes(StandardCharsets.US_ASCII);

  private RawCms() {}

  /**
   * The CMS bytes of {@code input} if it is raw CMS in any form, else empty with {@code input}
   * unread. {@code input} must allow {@link #PEEK} bytes of pushback. A text form that turns
   * out malformed further on fails as a {@link CmsText.Malformed} when that part is read.
   */
  static Optional<InputStream> cmsStream(PushbackInputStream input)
      throws IOException, SmimeOperationException {
    return cmsStream(input, false);
  }

  /**
   * As {@link #cmsStream}, and DER that ends before its outer definite length says fails as a
   * {@link TruncatedCmsException} when its end is read (see {@link DerLengthCheck}).
   */
  static Optional<InputStream> checkedCmsStream(PushbackInputStream input)
      throws IOException, SmimeOperationException {
    return cmsStream(input, true);
  }

  private static Optional<InputStream> cmsStream(PushbackInputStream input, boolean checked)
      throws IOException, SmimeOperationException {
    byte[] head = input.readNBytes(PEEK);
    input.unread(head);
    if (head.length >= 2 && head[0] == 0x30 && (head[1] & 0xff) >= 0x80) {
      return Optional.of(checked ? DerLengthCheck.wrap(input, head) : input);
    }
    String text = new String(head, StandardCharsets.ISO_8859_1);
    int start = 0;
    while (start < text.length() && " \t\r\n".indexOf(text.charAt(start)) >= 0) {
      start++;
    }
    int end = text.indexOf('\n', start);
    String firstLine = text.substring(start, end < 0 ? text.length() : end).stripTrailing();
    Matcher pem = PEM_BEGIN.matcher(firstLine);
    if (pem.matches()) {
      String label = pem.group(1);
      if (!PEM_LABELS.contains(label)) {
        throw new SmimeOperationException("not CMS: a PEM " + label + " block (expected"
            + " -----BEGIN CMS-----, -----BEGIN PKCS7----- or gpgsm's -----BEGIN ENCRYPTED"
            + " MESSAGE----- / -----BEGIN SIGNED MESSAGE-----)");
      }
      input.skipNBytes(end < 0 ? head.length : end + 1);
      int line = (int) text.substring(0, start).chars().filter(c -> c == '\n').count() + 1;
      return Optional.of(CmsText.pem(input, label, line));
    }
    if (BASE64_LINE.matcher(firstLine).matches() && encodesSequence(firstLine)) {
      return Optional.of(CmsText.base64(input));
    }
    return Optional.empty();
  }

  /**
   * As {@link #checkedCmsStream} for input held in memory: the CMS, decoded whole; DER cut
   * short of its declared length is refused here, by name, rather than failing later in a
   * parser ("unexpected end of stream") or at the daemon ("decryption failed").
   */
  static Optional<byte[]> cms(byte[] input) throws SmimeOperationException {
    try {
      Optional<InputStream> cms =
          checkedCmsStream(new PushbackInputStream(new ByteArrayInputStream(input), PEEK));
      return cms.isPresent() ? Optional.of(withoutTrailingBlanks(cms.get().readAllBytes()))
          : Optional.empty();
    } catch (TruncatedCmsException e) {
      throw new SmimeOperationException("the CMS is truncated: expected " + e.expected()
          + " bytes, got " + e.actual() + " (a partial download or copy?)", e);
    } catch (CmsText.Malformed e) {
      throw new SmimeOperationException(e.getMessage(), e);
    } catch (IOException e) {
      throw new UncheckedIOException("reading a byte array", e);
    }
  }

  /**
   * A saved DER file often ends with a line end (an editor, {@code echo >>}, a mail client's
   * last line): OpenSSL verifies it; Bouncy Castle refused it as extra data, "malformed
   * signature (IllegalArgumentException)" (a new-user trial). Blanks and line ends after the
   * declared end are dropped; anything else there is named rather than left to a parser.
   */
  private static byte[] withoutTrailingBlanks(byte[] cms) throws SmimeOperationException,
      TruncatedCmsException {
    if (cms.length < 2 || cms[0] != 0x30 || (cms[1] & 0xff) < 0x80) {
      return cms;
    }
    java.util.OptionalLong declared = DerLengthCheck.declaredEnd(cms);
    if (declared.isEmpty() || cms.length <= declared.getAsLong()) {
      return cms;
    }
    int end = (int) declared.getAsLong();
    for (int i = end; i < cms.length; i++) {
      if (" \t\r\n".indexOf(cms[i]) < 0) {
        throw new SmimeOperationException((cms.length - end) + " bytes after the CMS, whose"
            + " DER length says it ends at byte " + end + " (something appended to the file?)");
      }
    }
    return Arrays.copyOf(cms, end);
  }

  /**
   * The CMS as an application/pkcs7-mime entity without smime-type, so it is opened by its CMS
   * content type like any other such entity.
   */
  static byte[] asEntity(byte[] cms) {
    ByteArrayOutputStream entity = new ByteArrayOutputStream(HEADERS.length + cms.length);
    entity.writeBytes(HEADERS);
    entity.writeBytes(cms);
    return entity.toByteArray();
  }

  private static boolean encodesSequence(String base64) {
    byte[] first = Base64.getDecoder().decode(base64.substring(0, 4));
    return first[0] == 0x30 && (first[1] & 0xff) >= 0x80;
  }
}
