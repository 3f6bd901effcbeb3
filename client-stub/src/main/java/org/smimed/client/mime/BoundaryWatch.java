package org.smimed.client.mime;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/**
 * Passes bytes through and notes whether a given MIME boundary occurred in them (a
 * Knuth-Morris-Pratt matcher, so a boundary split across writes is found too).
 */
final class BoundaryWatch extends FilterOutputStream {
  private final byte[] boundary;
  private final int[] fallback;
  private int matched;
  private boolean seen;

  BoundaryWatch(OutputStream out, byte[] boundary) {
    super(out);
    this.boundary = boundary.clone();
    this.fallback = new int[boundary.length];
    for (int i = 1, k = 0; i < boundary.length; i++) {
      while (k > 0 && boundary[i] != boundary[k]) {
        k = fallback[k - 1];
      }
      if (boundary[i] == boundary[k]) {
        k++;
      }
      fallback[i] = k;
    }
  }

  boolean seen() {
    return seen;
  }

  @Override
  public void write(int b) throws IOException {
    see((byte) b);
    out.write(b);
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    for (int i = off; i < off + len; i++) {
      see(b[i]);
    }
    out.write(b, off, len);
  }

  private void see(byte b) {
    while (matched > 0 && b != boundary[matched]) {
      matched = fallback[matched - 1];
    }
    if (b == boundary[matched]) {
      matched++;
    }
    if (matched == boundary.length) {
      seen = true;
      matched = fallback[matched - 1];
    }
  }
}
