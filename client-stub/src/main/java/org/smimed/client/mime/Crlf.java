package org.smimed.client.mime;

import java.io.ByteArrayOutputStream;

/**
 * Line-end canonicalisation (RFC 8551 section 3.1.1).
 *
 * <p>Guarantee: every bare LF becomes CRLF; existing CRLF pairs and all other bytes are
 * unchanged, so the function is idempotent.
 */
public final class Crlf {
  private Crlf() {}

  public static byte[] canonicalize(byte[] in) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(in.length + in.length / 32 + 2);
    for (int i = 0; i < in.length; i++) {
      if (in[i] == '\n' && (i == 0 || in[i - 1] != '\r')) {
        out.write('\r');
      }
      out.write(in[i]);
    }
    return out.toByteArray();
  }
}
