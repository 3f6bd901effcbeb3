package org.smimed.client.mime;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Refuses a multipart (or message/*) entity that holds a part labelled
 * {@code Content-Transfer-Encoding: binary} without being labelled binary itself. Such an
 * entity is canonicalised to CRLF line ends throughout before it is signed or encrypted, which
 * changes the binary part's bytes under a signature that still verifies (found by a mail
 * trial: an attachment's bare LFs became CRLF); RFC 2045 section 6.4 asks for the enclosing
 * entity to be labelled binary, which keeps every byte.
 *
 * <p>Guarantee: reads the body once, keeping at most the first {@link #KEPT} bytes of a line,
 * so a binary part without line breaks costs no memory.
 */
final class BinaryParts {
  private static final int KEPT = 80;
  private static final Pattern BINARY_LABEL = Pattern.compile(
      "content-transfer-encoding[ \t]*:[ \t]*binary[ \t]*(\\(.*)?\r?");

  private BinaryParts() {
  }

  /** Refuses {@code body} of an entity labelled as {@code headers} says, if it must. */
  static void check(MimeInput headers, InputStream body)
      throws IOException, SmimeOperationException {
    if (!headers.isComposite() || headers.transferEncoding().equals("binary")) {
      return;
    }
    byte[] line = new byte[KEPT];
    int length = 0;
    // Only a part's header section counts, from a delimiter line ("--" and the boundary) to
    // the blank line: text in a part's body may quote such a field without being one.
    boolean inHeaders = false;
    byte[] buffer = new byte[64 * 1024];
    int n;
    while ((n = body.read(buffer)) > 0) {
      for (int i = 0; i < n; i++) {
        if (buffer[i] == '\n') {
          inHeaders = endOfLine(line, length, inHeaders);
          length = 0;
        } else if (length < KEPT) {
          line[length++] = buffer[i];
        }
      }
    }
    endOfLine(line, length, inHeaders);
  }

  /** Judges one line; returns whether the next line is in a part's header section. */
  private static boolean endOfLine(byte[] line, int length, boolean inHeaders)
      throws SmimeOperationException {
    int end = length > 0 && line[length - 1] == '\r' ? length - 1 : length;
    if (end == 0) {
      return false;
    }
    if (line[0] == '-' && end > 1 && line[1] == '-') {
      return true;
    }
    if (inHeaders) {
      refuseIfLabel(line, length);
    }
    return inHeaders;
  }

  private static void refuseIfLabel(byte[] line, int length) throws SmimeOperationException {
    String text = new String(line, 0, length, StandardCharsets.ISO_8859_1);
    if (BINARY_LABEL.matcher(text.toLowerCase(Locale.ROOT)).matches()) {
      throw new SmimeOperationException("a part inside the entity is labelled"
          + " Content-Transfer-Encoding: binary, but the entity around it is not: its line ends"
          + " would be changed to CRLF, the binary part's bytes with them; label the outer"
          + " entity Content-Transfer-Encoding: binary (RFC 2045 section 6.4), or encode the"
          + " part in base64");
    }
  }
}
