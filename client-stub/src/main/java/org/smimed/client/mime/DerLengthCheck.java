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
 * end is left to the daemon, which judges the whole encoding.
 */
final class DerLengthCheck extends FilterInputStream {
  private final long expected;
  private long count;

  private DerLengthCheck(InputStream in, long expected) {
    super(in);
    this.expected = expected;
  }

  /**
   * {@code in}, checked against the length declared in {@code head}, its first bytes (a
   * SEQUENCE tag and a length octet of 0x80 or more, see {@link RawCms}).
   */
  static InputStream wrap(InputStream in, byte[] head) throws TruncatedCmsException {
    int octets = head[1] & 0x7f;
    if (octets == 0 || octets > 8) {
      return in; // indefinite length; or a length no file has, left for the daemon to refuse
    }
    if (head.length < 2 + octets) {
      throw new TruncatedCmsException(2 + octets, head.length);
    }
    long declared = 0;
    for (int i = 0; i < octets; i++) {
      declared = declared > Long.MAX_VALUE >> 8 ? Long.MAX_VALUE
          : declared << 8 | (head[2 + i] & 0xff);
    }
    long expected = declared > Long.MAX_VALUE - 2 - octets ? Long.MAX_VALUE
        : 2 + octets + declared;
    return new DerLengthCheck(in, expected);
  }

  @Override
  public int read() throws IOException {
    int b = in.read();
    counted(b < 0 ? -1 : 1);
    return b;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
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
