package org.smimed.client.mime;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Writes a multipart body (already in canonical CRLF form) with each part labelled
 * {@code Content-Transfer-Encoding: 8bit} re-encoded as base64, nested multiparts included, so
 * that a relay that converts 8-bit data to 7-bit (as RFC 8551 section 3.1.3 warns it may)
 * leaves a detached signature over it intact. The decoded content of every part is unchanged.
 *
 * <p>Left as they are: parts labelled 7bit (or unlabelled), binary, or with an encoding
 * already; message/* parts, whose body RFC 2046 section 5.2.1 forbids to encode; preambles
 * and epilogues. What 8-bit data they hold stays, and the caller labels the whole for it.
 *
 * <p>Guarantee: streams in bounded memory: at most {@link #KEPT} bytes of a line are held to
 * recognise a delimiter, and at most {@link HeaderBlock#MAX_HEADER_BYTES} of a part's header
 * section (past that, the part is written as it is).
 */
final class SevenBitParts extends OutputStream {
  /** A delimiter line is "--", a boundary of at most 70 characters, "--" and padding. */
  private static final int KEPT = 1000;

  private enum Mode { COPY, HEADERS, ENCODING }

  private enum Delimiter { NONE, OPEN, CLOSE }

  private final OutputStream out;
  private final Set<String> boundaries = new HashSet<>();
  private final ByteArrayOutputStream line = new ByteArrayOutputStream();
  /** The line being read is longer than {@link #KEPT}: no delimiter, passed on as it comes. */
  private boolean longLine;
  private Mode mode = Mode.COPY;
  private final ByteArrayOutputStream headers = new ByteArrayOutputStream();
  private OutputStream encoder;
  /** The CRLF that ended the last encoded line: content, unless a delimiter follows it. */
  private boolean pendingLineEnd;

  SevenBitParts(OutputStream out, String boundary) {
    this.out = out;
    boundaries.add(boundary);
  }

  @Override
  public void write(int b) throws IOException {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    int start = off;
    for (int i = off; i < off + len; i++) {
      if (b[i] == '\n') {
        take(b, start, i + 1 - start, true);
        lineEnds();
        start = i + 1;
      }
    }
    take(b, start, off + len - start, false);
  }

  /** Ends the body: a part still being encoded (no closing delimiter) is finished. */
  @Override
  public void close() throws IOException {
    if (line.size() > 0 || longLine) {
      lineEnds();
    }
    if (mode == Mode.HEADERS) {
      out.write(headers.toByteArray());
    }
    finishEncoding();
    out.flush();
  }

  /**
   * Part of a line ({@code endsLine}: its end): kept while it may still be a delimiter,
   * passed on once it cannot.
   */
  private void take(byte[] b, int off, int len, boolean endsLine) throws IOException {
    if (!longLine && line.size() + len <= KEPT) {
      line.write(b, off, len);
      return;
    }
    if (!longLine) {
      longLine = true;
      byte[] kept = line.toByteArray();
      line.reset();
      content(kept, 0, kept.length, false);
    }
    content(b, off, len, endsLine);
  }

  private void lineEnds() throws IOException {
    if (longLine) {
      longLine = false;
      return;
    }
    byte[] bytes = line.toByteArray();
    line.reset();
    String text = new String(bytes, StandardCharsets.ISO_8859_1);
    Delimiter found = delimiter(text);
    if (found != Delimiter.NONE) {
      delimiter(bytes, found == Delimiter.CLOSE);
    } else if (mode == Mode.HEADERS) {
      headerLine(bytes, text);
    } else {
      content(bytes, 0, bytes.length, true);
    }
  }

  /** Bytes of a body line; {@code ends} when they finish the line. */
  private void content(byte[] b, int off, int len, boolean ends) throws IOException {
    if (mode == Mode.HEADERS) {
      // A header line past KEPT bytes: no header section a relay keeps; give up on it.
      out.write(headers.toByteArray());
      headers.reset();
      mode = Mode.COPY;
    }
    if (mode == Mode.COPY) {
      out.write(b, off, len);
      return;
    }
    if (pendingLineEnd) {
      encoder.write('\r');
      encoder.write('\n');
      pendingLineEnd = false;
    }
    int end = off + len;
    if (ends && len >= 2 && b[end - 2] == '\r' && b[end - 1] == '\n') {
      end -= 2;
      pendingLineEnd = true;
    }
    encoder.write(b, off, end - off);
  }

  private void delimiter(byte[] bytes, boolean closing) throws IOException {
    if (mode == Mode.HEADERS) {
      out.write(headers.toByteArray()); // a part without a blank line: as it is
      headers.reset();
    }
    if (mode == Mode.ENCODING) {
      // The CRLF before a delimiter belongs to it (RFC 2046 section 5.1.1).
      pendingLineEnd = false;
      finishEncoding();
      out.write('\r');
      out.write('\n');
    }
    out.write(bytes);
    mode = closing ? Mode.COPY : Mode.HEADERS;
  }

  private void headerLine(byte[] bytes, String text) throws IOException {
    headers.write(bytes);
    if (headers.size() > HeaderBlock.MAX_HEADER_BYTES) {
      out.write(headers.toByteArray());
      headers.reset();
      mode = Mode.COPY;
      return;
    }
    if (!text.equals("\r\n") && !text.equals("\n")) {
      return;
    }
    byte[] section = headers.toByteArray();
    headers.reset();
    HeaderBlock block = HeaderBlock.parse(section);
    String type = block.value("Content-Type").orElse("").strip().toLowerCase(Locale.ROOT);
    String encoding = block.value("Content-Transfer-Encoding")
        .map(ContentTypes::transferEncoding).orElse("");
    BinaryParts.boundaryOf(block.value("Content-Type").orElse("")).ifPresent(boundaries::add);
    if (!encoding.equals("8bit") || type.startsWith("multipart/")
        || type.startsWith("message/") || block.stray().isPresent()) {
      out.write(section);
      mode = Mode.COPY;
      return;
    }
    List<Header> fields = new ArrayList<>(block.headers().stream()
        .filter(h -> !h.is("Content-Transfer-Encoding")).toList());
    fields.add(Header.of("Content-Transfer-Encoding", "base64"));
    out.write(MimeInput.join(fields, new byte[0]));
    encoder = StreamEncodings.base64Lines(out); // its close leaves out open
    pendingLineEnd = false;
    mode = Mode.ENCODING;
  }

  private void finishEncoding() throws IOException {
    if (encoder != null) {
      encoder.close();
      encoder = null;
    }
  }

  /** Whether {@code text} (one line) opens or closes a part of a boundary seen so far. */
  private Delimiter delimiter(String text) {
    if (!text.startsWith("--")) {
      return Delimiter.NONE;
    }
    for (String b : boundaries) {
      if (text.startsWith("--" + b)) {
        String rest = text.substring(2 + b.length());
        if (rest.isBlank()) {
          return Delimiter.OPEN;
        }
        if (rest.startsWith("--") && rest.substring(2).isBlank()) {
          return Delimiter.CLOSE;
        }
      }
    }
    return Delimiter.NONE;
  }
}
