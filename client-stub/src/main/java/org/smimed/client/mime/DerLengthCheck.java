package org.smimed.client.mime;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Raw DER whose outer SEQUENCE has a definite length, which says where the input must end: an
 * end of input short of it is a {@link TruncatedCmsException} from the read that meets it.
 * Indefinite-length BER, which says nothing of its size, passes unchecked.
 *
 * <p>Guarantee: bytes pass unchanged and are counted, none held; what follows the declared
 * end of a raw file is left to the daemon, which judges the whole encoding; a MIME body ends
 * at the declared end ({@link #wrapBody}).
 */
final class DerLengthCheck extends FilterInputStream {
  private final long expected;
  private final boolean endsThere;
  private long count;

  private DerLengthCheck(InputStream in, long expected, boolean endsThere) {
    super(in);
    this.expected = expected;
    this.endsThere = endsThere;
  }

  /**
   * As {@link #wrap}, for the decoded body of a MIME entity, which also ends where the DER
   * says: a mailing list's footer after the base64 text decodes, leniently, into bytes after
   * the CMS, which the daemon refused as "decryption failed" (found by a mail trial).
   */
  static InputStream wrapBody(InputStream in, byte[] head) throws TruncatedCmsException {
    return wrap(in, head, true);
  }

  /**
   * {@code in}, checked against the length declared in {@code head}, its first bytes (a
   * SEQUENCE tag and a length octet of 0x80 or more, see {@link RawCms}).
   */
  static InputStream wrap(InputStream in, byte[] head) throws TruncatedCmsException {
    return wrap(in, head, false);
  }

  private static InputStream wrap(InputStream in, byte[] head, boolean endsThere)
      throws TruncatedCmsException {
    java.util.OptionalLong end = declaredEnd(head);
    return end.isEmpty() ? in : new DerLengthCheck(in, end.getAsLong(), endsThere);
  }

  /**
   * Where the DER starting with {@code head} (a SEQUENCE tag and a long-form length octet)
   * says it ends; empty for an indefinite length, or a length no file has (left for the
   * daemon to refuse).
   */
  static java.util.OptionalLong declaredEnd(byte[] head) throws TruncatedCmsException {
    int octets = head[1] & 0x7f;
    if (octets == 0 || octets > 8) {
      return java.util.OptionalLong.empty();
    }
    if (head.length < 2 + octets) {
      throw new TruncatedCmsException(2 + octets, head.length);
    }
    long declared = 0;
    for (int i = 0; i < octets; i++) {
      declared = declared > Long.MAX_VALUE >> 8 ? Long.MAX_VALUE
          : declared << 8 | (head[2 + i] & 0xff);
    }
    return java.util.OptionalLong.of(declared > Long.MAX_VALUE - 2 - octets ? Long.MAX_VALUE
        : 2 + octets + declared);
  }

  @Override
  public int read() throws IOException {
    if (endsThere && count >= expected) {
      return -1;
    }
    int b = in.read();
    counted(b < 0 ? -1 : 1);
    return b;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (endsThere) {
      if (count >= expected) {
        return -1;
      }
      len = (int) Math.min(len, expected - count);
    }
    int n = in.read(b, off, len);
    counted(n);
    return n;
  }

  @Override
  public long skip(long n) throws IOException {
    long skipped = in.skip(n);
    count += skipped;
    return skipped;
  }

  @Override
  public boolean markSupported() {
    return false;
  }

  private void counted(int n) throws TruncatedCmsException {
    if (n >= 0) {
      count += n;
    } else if (count < expected) {
      throw new TruncatedCmsException(expected, count);
    }
  }
}
