package org.smimed.client.mime;

import jakarta.mail.internet.ContentType;
import jakarta.mail.internet.ParseException;

/**
 * Parses a Content-Type field value that came from outside. Jakarta Mail's parser throws
 * unchecked exceptions on some hostile parameter lists (a ConcurrentModificationException while
 * combining RFC 2231 multi-segment names such as {@code n*0*=..; n*1*=..}, found by fuzzing
 * {@code smime decrypt}): those values are malformed like any other.
 */
final class ContentTypes {
  private ContentTypes() {
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
