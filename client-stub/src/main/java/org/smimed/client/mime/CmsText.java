package org.smimed.client.mime;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * The bytes of a CMS object saved as base64 text, bare or in PEM armour, decoded as they are
 * read.
 *
 * <p>Guarantees: white space (space, tab, CR, LF) is skipped; anything else outside the base64
 * alphabet, padding anywhere but at the end, text cut off inside a group of four characters,
 * no data at all, and in PEM a missing or different END line or anything but white space after
 * it, is a {@link Malformed} naming the line where it has one, never skipped (as
 * java.util.Base64's MIME decoder skips such characters). At most three decoded bytes are
 * held.
 */
final class CmsText extends InputStream {
  private final InputStream in;
  private final String pemLabel;
  private final byte[] decoded = new byte[3];
  private int position;
  private int available;
  private int line;
  private long total;
  private boolean ended;

  private CmsText(InputStream in, String pemLabel, int line) {
    this.in = new BufferedInputStream(in);
    this.pemLabel = pemLabel;
    this.line = line;
  }

  /** Bare base64 from the start of {@code in}. */
  static CmsText base64(InputStream in) {
    return new CmsText(in, null, 1);
  }

  /** PEM: {@code in} is just past the BEGIN line of {@code label}, which is line {@code line}. */
  static CmsText pem(InputStream in, String label, int line) {
    return new CmsText(in, label, line + 1);
  }

  /** The text is not what it claims to be; read errors of the input are plain IOExceptions. */
  static final class Malformed extends IOException {
    private static final long serialVersionUID = 1L;

    Malformed(String message) {
      super(message);
    }
  }

  @Override
  public int read() throws IOException {
    if (position == available && !decodeGroup()) {
      return -1;
    }
    return decoded[position++] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    java.util.Objects.checkFromIndexSize(off, len, b.length);
    int n = 0;
    while (n < len) {
      if (position == available && !decodeGroup()) {
        return n == 0 && len > 0 ? -1 : n;
      }
      int chunk = Math.min(len - n, available - position);
      System.arraycopy(decoded, position, b, off + n, chunk);
      position += chunk;
      n += chunk;
    }
    return n;
  }

  @Override
  public void close() throws IOException {
    in.close();
  }

  /** Decodes the next group of four characters; false at the end of the text. */
  private boolean decodeGroup() throws IOException {
    int bits = 0;
    int chars = 0;
    int padding = 0;
    while (chars + padding < 4) {
      int c = nextCharacter();
      if (c < 0) {
        if (chars + padding > 0) {
          throw malformed("the text is cut off inside a group of four characters", false);
        }
        if (total == 0) {
          throw malformed("no base64 data", false);
        }
        return false;
      }
      if (c == '=') {
        if (chars < 2) {
          throw malformed("misplaced '=' padding");
        }
        padding++;
        bits <<= 6;
      } else if (padding > 0) {
        throw malformed(describe(c) + " after '=' padding");
      } else if (value(c) < 0) {
        throw malformed(describe(c) + " is not base64");
      } else {
        bits = bits << 6 | value(c);
        chars++;
      }
    }
    decoded[0] = (byte) (bits >> 16);
    decoded[1] = (byte) (bits >> 8);
    decoded[2] = (byte) bits;
    position = 0;
    available = chars - 1;
    total += available;
    if (padding > 0 && nextCharacter() >= 0) {
      throw malformed("base64 after '=' padding");
    }
    return true;
  }

  /** The next character that is not white space, or -1 at the end of the text. */
  private int nextCharacter() throws IOException {
    if (ended) {
      return -1;
    }
    int c;
    do {
      c = in.read();
      if (c == '\n') {
        line++;
      }
    } while (c == '\n' || c == ' ' || c == '\t' || c == '\r');
    if (pemLabel != null && c < 0) {
      throw malformed("no -----END " + pemLabel + "----- line", false);
    }
    if (pemLabel != null && c == '-') {
      readEndLine();
      c = -1;
    }
    ended = c < 0;
    return c;
  }

  /** Reads the rest of the END line (its first '-' is read) and checks only white space follows. */
  private void readEndLine() throws IOException {
    String expected = "----END " + pemLabel + "-----";
    for (int i = 0; i < expected.length(); i++) {
      if (in.read() != expected.charAt(i)) {
        throw malformed("expected -----END " + pemLabel + "-----");
      }
    }
    int c;
    while ((c = in.read()) >= 0) {
      if (c == '\n') {
        line++;
      } else if (c != ' ' && c != '\t' && c != '\r') {
        throw malformed("text after the -----END " + pemLabel + "----- line");
      }
    }
  }

  private static int value(int c) {
    if (c >= 'A' && c <= 'Z') {
      return c - 'A';
    }
    if (c >= 'a' && c <= 'z') {
      return c - 'a' + 26;
    }
    if (c >= '0' && c <= '9') {
      return c - '0' + 52;
    }
    return c == '+' ? 62 : c == '/' ? 63 : -1;
  }

  private static String describe(int c) {
    return c > ' ' && c < 0x7f ? "'" + (char) c + "'" : String.format("byte 0x%02x", c);
  }

  private Malformed malformed(String why) {
    return malformed(why, true);
  }

  /** @param atLine whether the current line is where the fault is */
  private Malformed malformed(String why, boolean atLine) {
    String what = pemLabel == null ? "base64 CMS" : "PEM " + pemLabel;
    return new Malformed("malformed " + what + ": " + why
        + (atLine ? " (line " + line + ")" : ""));
  }
}
