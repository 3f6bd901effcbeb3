package org.smimed.client.mime;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The header section of a message or entity, parsed without touching the body.
 *
 * <p>Guarantee: LF-only and CRLF input parse alike; fields are kept in order and in their
 * original spelling (see {@link Header}); the body offset points just past the blank line. A
 * leading byte order mark and an mbox "From " line are skipped. A line that is neither a
 * field nor a continuation after the first field is skipped, as Thunderbird does, and the
 * first such line is named in {@code stray}: the fields after it are read (a From below such a
 * line is what a mail program shows, so it must be what is checked; found by a review), and a
 * writer can refuse to protect such input ({@link #requireWellFormed}). Input whose fields
 * include no message or MIME field before such a line ("Agenda:" then a list) is a bare body
 * without a header section, as it always was.
 *
 * @param headers the fields in order
 * @param bodyOffset index of the first body byte in the parsed input
 * @param stray the first line in the header section that is neither a field nor a
 *     continuation, if any
 */
public record HeaderBlock(List<Header> headers, int bodyOffset, Optional<String> stray) {
  /** Limit for a header section read from a stream, so a hostile input cannot exhaust memory. */
  static final int MAX_HEADER_BYTES = 256 * 1024;
  /** A field name and its colon, with the blanks RFC 5322 section 4.5.3 still accepts. */
  private static final Pattern FIELD_START = Pattern.compile("^[!-9;-~]+[ \t]*:");

  /**
   * Fields that make the lines above a stray line a header section rather than text that
   * happens to begin with "Word:" (lower case).
   */
  private static final java.util.Set<String> MESSAGE_FIELDS = java.util.Set.of("from", "to",
      "cc", "bcc", "sender", "reply-to", "subject", "date", "message-id", "in-reply-to",
      "references", "received", "return-path", "mime-version", "content-type",
      "content-transfer-encoding", "content-disposition", "content-id",
      "content-description", "delivered-to", "dkim-signature", "authentication-results",
      "arc-seal", "arc-message-signature", "arc-authentication-results", "x-mozilla-status",
      "x-mozilla-status2", "x-mozilla-keys", "x-original-to", "envelope-to");

  public HeaderBlock {
    headers = List.copyOf(headers);
  }

  /** Parses the header section at the start of {@code input}; no headers if it has none. */
  public static HeaderBlock parse(byte[] input) {
    String text = new String(input, StandardCharsets.ISO_8859_1);
    List<Header> headers = new ArrayList<>();
    int pos = start(text);
    StringBuilder current = null;
    Optional<String> stray = Optional.empty();
    while (pos < text.length()) {
      int eol = text.indexOf('\n', pos);
      int next = eol < 0 ? text.length() : eol + 1;
      for (String line : lines(stripEol(text.substring(pos, next)))) {
        boolean continuation = !line.isEmpty()
            && (line.charAt(0) == ' ' || line.charAt(0) == '\t');
        if (continuation && current != null) {
          current.append(line).append("\r\n");
        } else if (FIELD_START.matcher(line).find()) {
          add(headers, current);
          current = new StringBuilder(line).append("\r\n");
        } else if (line.isEmpty()) {
          add(headers, current);
          return new HeaderBlock(headers, next, stray);
        } else if (current == null && stray.isEmpty()) {
          // Not a field before any field: the input is a bare body without a header section.
          return new HeaderBlock(List.of(), 0, Optional.empty());
        } else {
          add(headers, current);
          current = null;
          if (stray.isEmpty()) {
            if (headers.stream().noneMatch(h -> MESSAGE_FIELDS.contains(
                h.name().toLowerCase(Locale.ROOT)))) {
              return new HeaderBlock(List.of(), 0, Optional.empty());
            }
            stray = Optional.of(line);
          }
        }
      }
      pos = next;
    }
    add(headers, current);
    return new HeaderBlock(headers, text.length(), stray);
  }

  /**
   * Reads the header section and the blank line from a stream, leaving the stream at the
   * first body byte.
   */
  public static HeaderBlock read(InputStream in) throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    int prev = -1;
    int lineLength = 0;
    int b;
    while ((b = in.read()) >= 0) {
      buf.write(b);
      if (b == '\n') {
        if (lineLength == 0 || (lineLength == 1 && prev == '\r')) {
          break;
        }
        lineLength = 0;
      } else {
        lineLength++;
      }
      prev = b;
      if (buf.size() > MAX_HEADER_BYTES) {
        throw new IOException("header section longer than " + MAX_HEADER_BYTES + " bytes");
      }
    }
    return parse(buf.toByteArray());
  }

  /**
   * This block, or a refusal if it has a stray line: a reader may take such a line, and what
   * follows, for body text or for fields, so what is signed or encrypted would not be what
   * its writer meant (found by a mail trial: a Subject folded without a leading blank lost
   * From, To and Subject into the signed body).
   */
  public HeaderBlock requireWellFormed() throws SmimeOperationException {
    if (stray.isPresent()) {
      throw new SmimeOperationException("the header section has a line that is neither a field"
          + " nor a folded continuation: \"" + stray.get() + "\"; begin a continuation with a"
          + " space or tab, or end the header section with a blank line");
    }
    return this;
  }

  public Optional<Header> first(String name) {
    return headers.stream().filter(h -> h.is(name)).findFirst();
  }

  public Optional<String> value(String name) {
    return first(name).map(Header::value);
  }

  /**
   * Every {@code name} field's value, joined as one address list: a message with two From
   * fields (malformed, but a reader may show either) has both checked, not just the first.
   */
  public Optional<String> addresses(String name) {
    List<String> values = headers.stream().filter(h -> h.is(name)).map(Header::value).toList();
    return values.isEmpty() ? Optional.empty() : Optional.of(String.join(", ", values));
  }

  private static void add(List<Header> headers, StringBuilder field) {
    if (field != null) {
      String raw = field.toString();
      headers.add(new Header(raw.substring(0, raw.indexOf(':')).strip(), raw));
    }
  }

  /**
   * Where the header fields begin: after a UTF-8 byte order mark, and after the "From " line
   * that opens a message saved in an mbox file (RFC 4155), which is not a header field.
   */
  private static int start(String text) {
    int pos = text.startsWith("\u00ef\u00bb\u00bf") ? 3 : 0;
    if (text.startsWith("From ", pos)) {
      int eol = text.indexOf('\n', pos);
      int end = eol < 0 ? text.length() : eol + 1;
      // "From : x" is a From field (RFC 5322 section 4.5.3), not an mbox line: skipped, its
      // address went unchecked (found by a review).
      return FIELD_START.matcher(text.substring(pos, end)).find() ? pos : end;
    }
    return pos;
  }

  /**
   * One physical line as the lines a mail reader sees: a lone CR ends a line for many of them,
   * so "Subject: hi\rFrom: x" holds a From field that must be checked (found by a review).
   * Trailing CRs are dropped; an empty line stays one empty line.
   */
  private static List<String> lines(String physical) {
    int end = physical.length();
    while (end > 0 && physical.charAt(end - 1) == '\r') {
      end--;
    }
    String line = physical.substring(0, end);
    if (line.indexOf('\r') < 0) {
      return List.of(line);
    }
    return java.util.Arrays.stream(line.split("\r")).filter(p -> !p.isEmpty()).toList();
  }

  private static String stripEol(String line) {
    if (line.endsWith("\r\n")) {
      return line.substring(0, line.length() - 2);
    }
    return line.endsWith("\n") ? line.substring(0, line.length() - 1) : line;
  }
}
