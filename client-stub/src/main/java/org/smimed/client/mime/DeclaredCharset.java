package org.smimed.client.mime;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * The charset a body without a Content-Type field is declared in. MIME's default,
 * text/plain; charset=us-ascii (RFC 2045 section 5.2), is only true of 7-bit text: a UTF-8
 * body declared us-ascii reaches its reader as mojibake, and once signed it cannot be
 * relabelled. So the body is read: 7-bit text stays us-ascii, valid UTF-8 is declared utf-8,
 * and any other 8-bit text is {@code unknown-8bit} (RFC 1428), which tells the reader that
 * the sender did not know either rather than guessing a charset the bytes may not be in.
 */
enum DeclaredCharset {
  US_ASCII("us-ascii"),
  UTF_8("utf-8"),
  UNKNOWN_8BIT("unknown-8bit");

  private final String label;

  DeclaredCharset(String label) {
    this.label = label;
  }

  /** The charset parameter's value. */
  String label() {
    return label;
  }

  static DeclaredCharset of(byte[] body) {
    try {
      return of(new java.io.ByteArrayInputStream(body));
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a byte array does not fail
    }
  }

  /** Reads {@code body} to its end, in bounded memory. */
  static DeclaredCharset of(InputStream body) throws IOException {
    CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.allocate(64 * 1024);
    CharBuffer out = CharBuffer.allocate(64 * 1024);
    boolean eightBit = false;
    boolean valid = true;
    int read;
    while ((read = body.read(in.array(), in.position(), in.remaining())) >= 0) {
      for (int i = in.position(); i < in.position() + read; i++) {
        eightBit |= in.array()[i] < 0;
      }
      in.position(in.position() + read);
      if (valid) {
        in.flip();
        valid = decode(utf8, in, out, false);
        in.compact(); // keeps a character split across two reads for the next round
      } else {
        in.clear();
      }
    }
    if (valid) {
      in.flip();
      valid = decode(utf8, in, out, true) && !utf8.flush(out.clear()).isError();
    }
    if (!eightBit) {
      return US_ASCII;
    }
    return valid ? UTF_8 : UNKNOWN_8BIT;
  }

  private static boolean decode(CharsetDecoder decoder, ByteBuffer in, CharBuffer out,
      boolean last) {
    CoderResult result;
    do {
      out.clear();
      result = decoder.decode(in, out, last);
    } while (result.isOverflow());
    return !result.isError();
  }
}
