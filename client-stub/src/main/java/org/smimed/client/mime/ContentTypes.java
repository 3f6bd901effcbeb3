package org.smimed.client.mime;

import jakarta.mail.MessagingException;
import jakarta.mail.internet.ContentDisposition;
import jakarta.mail.internet.ContentType;
import jakarta.mail.internet.MimeUtility;
import jakarta.mail.internet.ParseException;
import java.io.InputStream;
import java.util.Locale;

/**
 * Parses a Content-Type field value that came from outside. Jakarta Mail's parser throws
 * unchecked exceptions on some hostile parameter lists (a ConcurrentModificationException while
 * combining RFC 2231 multi-segment names such as {@code n*0*=..; n*1*=..}, found by fuzzing
 * {@code smime decrypt}): those values are malformed like any other.
 */
final class ContentTypes {
  private ContentTypes() {
  }

  /**
   * Whether an entity of {@code type} carries a CMS object: application/pkcs7-mime, its x-
   * form, or an application/octet-stream named *.p7m (its Content-Type name or its
   * Content-Disposition filename), as some gateways relabel S/MIME; the name is the one
   * RFC 8551 section 3.2.1 gives such files.
   */
  static boolean isPkcs7Mime(ContentType type, HeaderBlock headers) {
    String base = type.getBaseType().toLowerCase(Locale.ROOT);
    if (base.equals("application/pkcs7-mime") || base.equals("application/x-pkcs7-mime")) {
      return true;
    }
    if (!base.equals("application/octet-stream")) {
      return false;
    }
    String name = type.getParameter("name");
    if (name == null) {
      name = headers.value("Content-Disposition").map(ContentTypes::filename).orElse(null);
    }
    return name != null && name.strip().toLowerCase(Locale.ROOT).endsWith(".p7m");
  }

  private static String filename(String disposition) {
    try {
      return new ContentDisposition(disposition).getParameter("filename");
    } catch (ParseException | RuntimeException e) {
      return null;
    }
  }

  /**
   * {@code body} decoded from quoted-printable as it is read. Rare around CMS (base64 is the
   * rule) but legal, and what some gateways re-encode an entity to (found by an outside
   * trial).
   */
  static InputStream quotedPrintable(InputStream body) {
    try {
      return MimeUtility.decode(body, "quoted-printable");
    } catch (MessagingException e) {
      throw new IllegalStateException("Jakarta Mail always knows quoted-printable", e);
    }
  }

  /** {@code body} with its Content-Transfer-Encoding undone (7bit when there is none). */
  static InputStream decoded(HeaderBlock headers, InputStream body)
      throws SmimeOperationException {
    String encoding = transferEncodingOf(headers);
    return switch (encoding) {
      case "base64" -> Base64Body.of(body);
      case "quoted-printable" -> quotedPrintable(body);
      case "binary", "8bit", "7bit" -> body;
      default -> throw new SmimeOperationException("unsupported transfer encoding " + encoding);
    };
  }

  /** The mechanism {@code headers}' Content-Transfer-Encoding names, 7bit when none does. */
  static String transferEncodingOf(HeaderBlock headers) {
    return headers.value("Content-Transfer-Encoding").map(ContentTypes::transferEncoding)
        .orElse("7bit");
  }

  /**
   * A pkcs7-mime entity's body as CMS: {@link #decoded}, and then, unless that was base64,
   * decoded from base64 (or PEM) too when what is left is no DER but text that encodes a
   * SEQUENCE ({@link RawCms}): a body in base64 labelled 7bit, quoted-printable or nothing at
   * all went to the daemon as text and came back "not a CMS message" (an interop trial;
   * OpenSSL reads it).
   */
  static InputStream cmsBody(HeaderBlock headers, InputStream body)
      throws SmimeOperationException, java.io.IOException {
    InputStream decoded = decoded(headers, body);
    if (base64(headers)) {
      return decoded;
    }
    java.io.PushbackInputStream peek = new java.io.PushbackInputStream(decoded, RawCms.PEEK);
    return RawCms.cmsStream(peek).orElse(peek);
  }

  /** As {@link #cmsBody}, for a body held in memory. */
  static byte[] cmsBody(HeaderBlock headers, byte[] decoded) throws SmimeOperationException {
    return base64(headers) ? decoded : RawCms.cms(decoded).orElse(decoded);
  }

  private static boolean base64(HeaderBlock headers) {
    return transferEncodingOf(headers).equals("base64");
  }

  /**
   * The mechanism a Content-Transfer-Encoding field value names, in lower case: RFC 2045
   * section 6.1 lets the field carry RFC 822 comments and white space around the token
   * ({@code base64 (added by the gateway)} is base64), and comments nest.
   */
  static String transferEncoding(String value) {
    StringBuilder token = new StringBuilder();
    int depth = 0;
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (depth > 0 && c == '\\') {
        i++; // a quoted-pair inside a comment: the next character is literal
      } else if (c == '(') {
        depth++;
      } else if (c == ')' && depth > 0) {
        depth--;
      } else if (depth == 0 && !Character.isWhitespace(c)) {
        token.append(c);
      }
    }
    return token.toString().toLowerCase(Locale.ROOT);
  }

  static ContentType parse(String value) throws ParseException {
    try {
      return new ContentType(value);
    } catch (RuntimeException e) {
      // MessagingException fixes its own cause: the library's exception goes as the next one.
      ParseException malformed = new ParseException("malformed Content-Type parameters");
      malformed.setNextException(e);
      throw malformed;
    }
  }
}
