package org.smimed.client.mime;

import jakarta.mail.internet.ParseException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Refuses a multipart (or message/*) entity that holds a part labelled
 * {@code Content-Transfer-Encoding: binary} without being labelled binary itself. Such an
 * entity is canonicalised to CRLF line ends throughout before it is signed or encrypted, which
 * changes the binary part's bytes under a signature that still verifies (found by a mail
 * trial: an attachment's bare LFs became CRLF); RFC 2045 section 6.4 asks for the enclosing
 * entity to be labelled binary, which keeps every byte.
 *
 * <p>Only the header sections of parts count — from a delimiter line of the entity's boundary,
 * or of a nested multipart's, to the blank line — with folded fields unfolded: a text part may
 * quote such a field, or a delimiter-like line, without being a binary part (found by a
 * review). Guarantee: reads the body once, keeping at most the first {@link #KEPT} bytes of a
 * line, so a binary part without line breaks costs no memory.
 */
final class BinaryParts {
  private static final int KEPT = 1000;
  /** A folded field is kept to this length: enough for any label or boundary parameter. */
  private static final int MAX_FIELD = 16 * 1024;
  private static final Pattern BINARY_LABEL = Pattern.compile(
      "content-transfer-encoding[ \t]*:[ \t]*binary[ \t]*(\\(.*)?");

  private final Set<String> boundaries = new HashSet<>();
  private boolean inHeaders;
  /** The part whose header section is being read is message/*: its body opens with one. */
  private boolean embedded;
  private StringBuilder field;

  private BinaryParts(String boundary) {
    boundaries.add(boundary);
  }

  /** Refuses {@code body} of an entity labelled as {@code headers} says, if it must. */
  static void check(MimeInput headers, InputStream body)
      throws IOException, SmimeOperationException {
    Optional<String> boundary = headers.boundary();
    if (!headers.isComposite() || headers.transferEncoding().equals("binary")
        || boundary.isEmpty()) {
      return;
    }
    new BinaryParts(boundary.get()).scan(body);
  }

  /** The boundary parameter of a Content-Type value, if it has one. */
  static Optional<String> boundaryOf(String contentType) {
    try {
      return Optional.ofNullable(ContentTypes.parse(contentType).getParameter("boundary"));
    } catch (ParseException malformed) {
      return Optional.empty();
    }
  }

  private void scan(InputStream body) throws IOException, SmimeOperationException {
    byte[] line = new byte[KEPT];
    int length = 0;
    byte[] buffer = new byte[64 * 1024];
    int n;
    while ((n = body.read(buffer)) > 0) {
      for (int i = 0; i < n; i++) {
        if (buffer[i] == '\n') {
          line(new String(line, 0, length, StandardCharsets.ISO_8859_1));
          length = 0;
        } else if (length < KEPT) {
          line[length++] = buffer[i];
        }
      }
    }
    line(new String(line, 0, length, StandardCharsets.ISO_8859_1));
    fieldEnds();
  }

  private void line(String raw) throws SmimeOperationException {
    String text = raw.endsWith("\r") ? raw.substring(0, raw.length() - 1) : raw;
    if (isDelimiter(text)) {
      fieldEnds();
      inHeaders = true;
      embedded = false;
    } else if (!inHeaders) {
      return;
    } else if (text.isEmpty()) {
      fieldEnds();
      // A message/rfc822 part's body opens with the forwarded message's own header section,
      // which may name the boundary of its parts (found by a review).
      inHeaders = embedded;
      embedded = false;
    } else if ((text.startsWith(" ") || text.startsWith("\t")) && field != null) {
      if (field.length() < MAX_FIELD) {
        field.append(text);
      }
    } else {
      fieldEnds();
      field = new StringBuilder(text);
    }
  }

  private boolean isDelimiter(String text) {
    if (!text.startsWith("--")) {
      return false;
    }
    for (String b : boundaries) {
      if (text.startsWith("--" + b) && text.substring(2 + b.length()).replace("--", "")
          .isBlank()) {
        return true;
      }
    }
    return false;
  }

  private void fieldEnds() throws SmimeOperationException {
    if (field == null) {
      return;
    }
    String text = field.toString();
    field = null;
    String lower = text.toLowerCase(Locale.ROOT);
    if (BINARY_LABEL.matcher(lower).matches()) {
      throw new SmimeOperationException("a part inside the entity is labelled"
          + " Content-Transfer-Encoding: binary, but the entity around it is not: its"
          + " line ends would be changed to CRLF, the binary part's bytes with them;"
          + " label the outer entity Content-Transfer-Encoding: binary (RFC 2045"
          + " section 6.4), or encode the part in base64");
    }
    if (lower.startsWith("content-type") && text.indexOf(':') > 0) {
      String value = text.substring(text.indexOf(':') + 1);
      boundaryOf(value).ifPresent(boundaries::add);
      embedded = value.strip().toLowerCase(Locale.ROOT).startsWith("message/");
    }
  }
}
