package org.smimed.client.mime;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PushbackInputStream;
import java.nio.charset.StandardCharsets;

/**
 * A CMS object saved as it is, without MIME headers: the .p7m file a mail client saves from an
 * S/MIME attachment, or what {@code openssl cms -outform DER} writes.
 *
 * <p>Guarantee: input is taken as raw CMS only if it starts with an ASN.1 SEQUENCE tag and an
 * indefinite or long-form length (0x30, then 0x80 or more). No header section can start so (a
 * field name is printable ASCII), and every S/MIME ContentInfo is longer than 127 bytes.
 */
final class RawCms {
  private static final byte[] HEADERS = ("Content-Type: application/pkcs7-mime; name=smime.p7m"
      + "\r\nContent-Transfer-Encoding: binary\r\n\r\n").getBytes(StandardCharsets.US_ASCII);

  private RawCms() {}

  static boolean isRawCms(byte[] input) {
    return input.length >= 2 && starts(input[0], input[1]);
  }

  /**
   * Whether the stream holds raw CMS, leaving it unread; {@code in} must allow two bytes of
   * pushback.
   */
  static boolean isRawCms(PushbackInputStream in) throws IOException {
    int first = in.read();
    if (first < 0) {
      return false;
    }
    int second = in.read();
    if (second >= 0) {
      in.unread(second);
    }
    in.unread(first);
    return second >= 0 && starts((byte) first, (byte) second);
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

  private static boolean starts(byte first, byte second) {
    return first == 0x30 && (second & 0xff) >= 0x80;
  }
}
