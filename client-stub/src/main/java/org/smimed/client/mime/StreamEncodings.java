package org.smimed.client.mime;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Base64;

/**
 * Streaming forms of {@link Crlf#canonicalize} and {@link MimeInput#base64Lines}: the same bytes
 * out, written as the input passes, so an entity of any size needs one buffer.
 */
final class StreamEncodings {
  private StreamEncodings() {}

  /** Every bare LF written becomes CRLF (as {@link Crlf#canonicalize} over all bytes written). */
  static OutputStream crlf(OutputStream out) {
    return new FilterOutputStream(out) {
      private int previous = -1;

      @Override
      public void write(int b) throws IOException {
        if (b == '\n' && previous != '\r') {
          out.write('\r');
        }
        out.write(b);
        previous = b;
      }

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        int start = off;
        for (int i = off; i < off + len; i++) {
          if (b[i] == '\n' && (i == off ? previous != '\r' : b[i - 1] != '\r')) {
            out.write(b, start, i - start);
            out.write('\r');
            start = i;
          }
        }
        out.write(b, start, off + len - start);
        if (len > 0) {
          previous = b[off + len - 1];
        }
      }

      @Override
      public void close() throws IOException {
        flush();
      }
    };
  }

  /**
   * Base64 in 76-character CRLF lines with a final CRLF unless empty; {@code close()} ends the
   * encoding but leaves {@code out} open.
   */
  static OutputStream base64Lines(OutputStream out) {
    OutputStream counting = new FilterOutputStream(out) {
      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
      }

      @Override
      public void close() throws IOException {
        flush(); // the encoder closes what it wraps: keep the target open
      }
    };
    OutputStream encoder = Base64.getMimeEncoder(76, new byte[] {'\r', '\n'}).wrap(counting);
    return new FilterOutputStream(encoder) {
      private boolean any;

      @Override
      public void write(int b) throws IOException {
        any = true;
        out.write(b);
      }

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        any |= len > 0;
        out.write(b, off, len);
      }

      @Override
      public void close() throws IOException {
        out.close();
        if (any) {
          counting.write(new byte[] {'\r', '\n'}, 0, 2);
        }
        counting.flush();
      }
    };
  }

  /** An output stream whose {@code close()} only flushes. */
  static OutputStream keepOpen(OutputStream out) {
    return new FilterOutputStream(out) {
      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
      }

      @Override
      public void close() throws IOException {
        flush();
      }
    };
  }
}
