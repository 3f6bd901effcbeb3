package org.smimed.client.mime;

import java.io.IOException;

/**
 * Raw DER CMS ended before the length its outer SEQUENCE declares: the file was cut short
 * (a partial download or copy). Thrown while it is read, before the last of it goes anywhere,
 * so the caller can name the input rather than let the daemon answer "decryption failed".
 */
public final class TruncatedCmsException extends IOException {
  private static final long serialVersionUID = 1L;

  private final long expected;
  private final long actual;

  TruncatedCmsException(long expected, long actual) {
    super("truncated DER: expected " + expected + " bytes, got " + actual);
    this.expected = expected;
    this.actual = actual;
  }

  /** The bytes the outer length declares, its header included. */
  public long expected() {
    return expected;
  }

  /** The bytes the input had. */
  public long actual() {
    return actual;
  }
}
