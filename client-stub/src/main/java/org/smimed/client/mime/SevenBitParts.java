package org.smimed.client.mime;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Writes a multipart body (already in canonical CRLF form) with each part labelled
 * {@code Content-Transfer-Encoding: 8bit} re-encoded as base64, nested multiparts included, so
 * that a relay that converts 8-bit data to 7-bit (as RFC 8551 section 3.1.3 warns it may)
 * leaves a detached signature over it intact. The decoded content of every part is unchanged.
 *
 * <p>Left as they are: parts labelled 7bit (or unlabelled), binary, or with an encoding
 * already; message/* parts (a multipart/digest's parts by default), whose body RFC 2046
 * section 5.2.1 forbids to encode; a part whose header section would not be written back as
 * it stands (a stray line, a byte order mark); preambles and epilogues. What 8-bit data they
 * hold stays, and the caller labels the whole for it.
 *
 * <p>A delimiter is a line of "--", a boundary of a multipart still open, and only spaces or
 * tabs (RFC 2046 section 5.1.1); a multipart's boundary no longer counts once it is closed.
 *
 * <p>Guarantee: streams in bounded memory: at most {@link #KEPT} bytes of a line are held to
 * recognise a delimiter, and at most {@link HeaderBlock#MAX_HEADER_BYTES} of a part's header
 * section (past that, the part is written as it is).
 */
final class SevenBitParts extends OutputStream {
  /** A delimiter line is "--", a boundary of at most 70 characters, "--" and padding. */
  private static final int KEPT = 1000;
  /** Line ends held back past this are content whatever follows: all but the last two. */
  private static final int MAX_HELD_LINE_ENDS = 1024;

  private enum Mode { COPY, HEADERS, ENCODING }

  /** An open multipart: its boundary, and whether its parts are message/rfc822 by default. */
  private record Multipart(String boundary, boolean digest) {}

  /** A delimiter line: the multipart it belongs to, and whether it closes it. */
  private record Delimiter(Multipart of, boolean closing) {}

  private final OutputStream out;
  /** The multiparts open, innermost last. */
  private final Deque<Multipart> open = new ArrayDeque<>();
  /** The multipart whose delimiter began the part being read. */
  private Multipart enclosing;
  private final ByteArrayOutputStream line = new ByteArrayOutputStream();
  /** The line being read is longer than {@link #KEPT}: no delimiter, passed on as it comes. */
  private boolean longLine;
  private Mode mode = Mode.COPY;
  private final ByteArrayOutputStream headers = new ByteArrayOutputStream();
  private OutputStream encoder;
  /**
   * CRs and LFs at the end of what was encoded so far, held back: content, unless a delimiter
   * follows, whose own the last line break is (RFC 2046 section 5.1.1).
   */
  private final ByteArrayOutputStream heldLineEnds = new ByteArrayOutputStream();

  /**
   * @param boundary the boundary of the multipart whose body is written
   * @param digest   whether it is a multipart/digest (its parts default to message/rfc822)
   */
  SevenBitParts(OutputStream out, String boundary, boolean digest) {
    this.out = out;
    this.enclosing = new Multipart(boundary, digest);
    open.addLast(enclosing);
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
        take(b, start, i + 1 - start);
        lineEnds();
        start = i + 1;
      }
    }
    take(b, start, off + len - start);
  }

  /** Ends the body: a part still being encoded (no closing delimiter) is finished whole. */
  @Override
  public void close() throws IOException {
    if (line.size() > 0 || longLine) {
      lineEnds();
    }
    if (mode == Mode.HEADERS) {
      out.write(headers.toByteArray());
    }
    if (mode == Mode.ENCODING) {
      heldLineEnds.writeTo(encoder);
      finishEncoding();
    }
    out.flush();
  }

  /** Part of a line: kept while it may still be a delimiter, passed on once it cannot. */
  private void take(byte[] b, int off, int len) throws IOException {
    if (!longLine && line.size() + len <= KEPT) {
      line.write(b, off, len);
      return;
    }
    if (!longLine) {
      longLine = true;
      byte[] kept = line.toByteArray();
      line.reset();
      content(kept, 0, kept.length);
    }
    content(b, off, len);
  }

  private void lineEnds() throws IOException {
    if (longLine) {
      longLine = false;
      return;
    }
    byte[] bytes = line.toByteArray();
    line.reset();
    Optional<Delimiter> found = delimiter(new String(bytes, StandardCharsets.ISO_8859_1));
    if (found.isPresent()) {
      delimiter(bytes, found.get());
    } else if (mode == Mode.HEADERS) {
      headerLine(bytes);
    } else {
      content(bytes, 0, bytes.length);
    }
  }

  /** Body bytes: copied, or encoded with their trailing line ends held back. */
  private void content(byte[] b, int off, int len) throws IOException {
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
    int end = off + len;
    int text = end;
    while (text > off && (b[text - 1] == '\r' || b[text - 1] == '\n')) {
      text--;
    }
    if (text > off) {
      heldLineEnds.writeTo(encoder);
      heldLineEnds.reset();
      encoder.write(b, off, text - off);
    }
    heldLineEnds.write(b, text, end - text);
    if (heldLineEnds.size() > MAX_HELD_LINE_ENDS) {
      byte[] held = heldLineEnds.toByteArray();
      encoder.write(held, 0, held.length - 2);
      heldLineEnds.reset();
      heldLineEnds.write(held, held.length - 2, 2);
    }
  }

  private void delimiter(byte[] bytes, Delimiter found) throws IOException {
    if (mode == Mode.HEADERS) {
      out.write(headers.toByteArray()); // a part without a blank line: as it is
      headers.reset();
    }
    if (mode == Mode.ENCODING) {
      byte[] held = heldLineEnds.toByteArray();
      int keep = held.length >= 2 && held[held.length - 2] == '\r'
          && held[held.length - 1] == '\n' ? held.length - 2
          : held.length >= 1 && held[held.length - 1] == '\n' ? held.length - 1 : held.length;
      encoder.write(held, 0, keep);
      heldLineEnds.reset();
      finishEncoding();
      out.write('\r');
      out.write('\n');
    }
    out.write(bytes);
    // Multiparts inside this one that never closed end with it.
    while (open.peekLast() != found.of()) {
      open.removeLast();
    }
    if (found.closing()) {
      open.removeLast();
      mode = Mode.COPY;
    } else {
      enclosing = found.of();
      mode = Mode.HEADERS;
    }
  }

  private void headerLine(byte[] bytes) throws IOException {
    headers.write(bytes);
    if (headers.size() > HeaderBlock.MAX_HEADER_BYTES) {
      out.write(headers.toByteArray());
      headers.reset();
      mode = Mode.COPY;
      return;
    }
    for (byte b : bytes) {
      if (b != '\r' && b != '\n') {
        return; // not the blank line that ends the section
      }
    }
    byte[] section = headers.toByteArray();
    headers.reset();
    HeaderBlock block = HeaderBlock.parse(section);
    Optional<String> declared = block.value("Content-Type");
    String type = declared.map(t -> t.strip().toLowerCase(Locale.ROOT))
        .orElse(enclosing.digest() ? "message/rfc822" : "text/plain");
    if (type.startsWith("multipart/")) {
      BinaryParts.boundaryOf(declared.get()).ifPresent(b -> open.addLast(
          new Multipart(b, type.startsWith("multipart/digest"))));
    }
    String encoding = block.value("Content-Transfer-Encoding")
        .map(ContentTypes::transferEncoding).orElse("");
    // Rewritten only when its fields are the whole section, byte for byte: a section the
    // parser read otherwise (a stray line, a byte order mark, a blank line of CR CR LF) would
    // lose what it skipped (found by a trial).
    boolean asParsed = Arrays.equals(MimeInput.join(block.headers(), new byte[0]), section);
    if (!asParsed || !encoding.equals("8bit") || type.startsWith("multipart/")
        || type.startsWith("message/")) {
      out.write(section);
      mode = Mode.COPY;
      return;
    }
    List<Header> fields = new ArrayList<>(block.headers().stream()
        .filter(h -> !h.is("Content-Transfer-Encoding")).toList());
    fields.add(Header.of("Content-Transfer-Encoding", "base64"));
    out.write(MimeInput.join(fields, new byte[0]));
    encoder = StreamEncodings.base64Lines(out); // its close leaves out open
    heldLineEnds.reset();
    mode = Mode.ENCODING;
  }

  private void finishEncoding() throws IOException {
    if (encoder != null) {
      encoder.close();
      encoder = null;
    }
  }

  /** The open multipart {@code text} (one line) opens or closes a part of, innermost first. */
  private Optional<Delimiter> delimiter(String text) {
    if (!text.startsWith("--")) {
      return Optional.empty();
    }
    int end = text.length();
    while (end > 0 && (text.charAt(end - 1) == '\r' || text.charAt(end - 1) == '\n')) {
      end--;
    }
    String bare = text.substring(0, end);
    for (Iterator<Multipart> it = open.descendingIterator(); it.hasNext(); ) {
      Multipart m = it.next();
      if (bare.startsWith("--" + m.boundary())) {
        String rest = bare.substring(2 + m.boundary().length());
        if (padding(rest)) {
          return Optional.of(new Delimiter(m, false));
        }
        if (rest.startsWith("--") && padding(rest.substring(2))) {
          return Optional.of(new Delimiter(m, true));
        }
      }
    }
    return Optional.empty();
  }

  /** Only spaces and tabs, as RFC 2046 allows after a boundary (not Java's isBlank). */
  private static boolean padding(String rest) {
    return rest.chars().allMatch(c -> c == ' ' || c == '\t');
  }
}
