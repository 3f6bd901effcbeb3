package org.smimed.client.mime;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes application/pkcs7-mime messages (RFC 8551 section 3.2).
 *
 * <p>Guarantee: the outer fields of the input are kept, the CMS is base64 in 76-column CRLF
 * lines, and the smime-type parameter names what the CMS is.
 */
final class Pkcs7Mime {
  private Pkcs7Mime() {}

  static List<Header> headers(MimeInput input, String smimeType) {
    List<Header> headers = new ArrayList<>(SignedMessageWriter.concatOuter(input,
        "application/pkcs7-mime; smime-type=" + smimeType + "; name=smime.p7m"));
    headers.add(Header.of("Content-Transfer-Encoding", "base64"));
    headers.add(Header.of("Content-Disposition", "attachment; filename=smime.p7m"));
    return headers;
  }

  static byte[] write(MimeInput input, String smimeType, byte[] cms) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(cms.length * 4 / 3 + 1024);
    out.writeBytes(MimeInput.join(headers(input, smimeType), MimeInput.base64Lines(cms)));
    return out.toByteArray();
  }
}
