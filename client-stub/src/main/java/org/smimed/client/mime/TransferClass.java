package org.smimed.client.mime;

import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;

/**
 * What a body needs of its transport (RFC 2045 section 2.7-2.9): 7bit data (short lines of
 * ASCII without NUL), 8bit data (bytes past 127, lines of at most 998 octets, no NUL), or
 * binary data (anything else).
 */
enum TransferClass {
  SEVEN_BIT, EIGHT_BIT, BINARY;

  private static final int BUFFER = 64 * 1024;
  private static final int MAX_LINE = 998;

  static TransferClass of(byte[] data) {
    Scan scan = new Scan(false);
    scan.add(data, data.length);
    return scan.result();
  }

  /**
   * As {@link #of(byte[])} for what goes out as it is: there a CR or LF that is not part of a
   * CRLF is binary data too (RFC 2045 section 2.7), as in a multipart labelled binary, whose
   * line ends are kept (found by a trial: it was labelled 8bit).
   */
  static TransferClass ofOutput(byte[] data) {
    Scan scan = new Scan(true);
    scan.add(data, data.length);
    return scan.result();
  }

  /** Reads {@code in} to its end (or to the first sign of binary data). */
  static TransferClass of(InputStream in) throws IOException {
    Scan scan = new Scan(false);
    byte[] buffer = new byte[BUFFER];
    int n;
    while (scan.result() != BINARY && (n = in.read(buffer)) > 0) {
      scan.add(buffer, n);
    }
    return scan.result();
  }

  /**
   * The Content-Transfer-Encoding that labels such a body when it is not re-encoded (a
   * multipart takes the label of its most demanding part, RFC 2045 section 6.4); none for
   * 7bit, the default.
   */
  Optional<String> label() {
    return switch (this) {
      case SEVEN_BIT -> Optional.empty();
      case EIGHT_BIT -> Optional.of("8bit");
      case BINARY -> Optional.of("binary");
    };
  }

  /** A sink that classifies what is written to it, as {@link #ofOutput} does. */
  static final class Sink extends java.io.OutputStream {
    private final Scan scan = new Scan(true);

    @Override
    public void write(int b) {
      scan.add(new byte[] {(byte) b}, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) {
      scan.add(java.util.Arrays.copyOfRange(b, off, off + len), len);
    }

    TransferClass result() {
      return scan.result();
    }
  }

  private static final class Scan {
    /** Whether a CR or LF outside a CRLF is binary data (it is, in what goes out as it is). */
    private final boolean strictLineEnds;
    private TransferClass result = SEVEN_BIT;
    private int lineLength;
    private int previous = '\n';

    Scan(boolean strictLineEnds) {
      this.strictLineEnds = strictLineEnds;
    }

    void add(byte[] data, int length) {
      for (int i = 0; i < length && result != BINARY; i++) {
        byte b = data[i];
        if (b == 0 || strictLineEnds && ((previous == '\r') != (b == '\n'))) {
          result = BINARY;
        } else if (b < 0) {
          result = EIGHT_BIT;
        }
        previous = b;
        lineLength = b == '\n' ? 0 : lineLength + 1;
        if (lineLength > MAX_LINE) {
          result = BINARY;
        }
      }
    }

    TransferClass result() {
      return strictLineEnds && previous == '\r' ? BINARY : result;
    }
  }
}
