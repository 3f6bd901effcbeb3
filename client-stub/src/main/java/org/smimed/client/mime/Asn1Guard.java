package org.smimed.client.mime;

/**
 * Walks the BER/DER headers of a CMS structure before Bouncy Castle parses it (a copy of the
 * daemon's cms.Asn1Guard: the client has no dependency on the daemon), so that nesting bombs,
 * indefinite-length bombs and lying length fields are refused before they cost a stack frame or
 * an allocation.
 *
 * <p>Guarantees: runs in constant stack space and allocates one array of {@code maxDepth}
 * entries; reads each header once; accepts exactly the inputs whose first element is
 * well-formed in its framing (tags, lengths, end-of-contents), no deeper than
 * {@code maxDepth} and with at most {@code maxIndefiniteLengths} indefinite lengths. Bytes after
 * the first element are left for the real parser to judge. It does not look inside primitive
 * values.
 */
final class Asn1Guard {
  private final int maxDepth;
  private final int maxIndefiniteLengths;

  /**
   * @param maxDepth             deepest nesting of constructed encodings
   *                             (VerifyLimits.maxAsn1Depth)
   * @param maxIndefiniteLengths most indefinite lengths (VerifyLimits.maxIndefiniteLengths)
   */
  Asn1Guard(int maxDepth, int maxIndefiniteLengths) {
    this.maxDepth = maxDepth;
    this.maxIndefiniteLengths = maxIndefiniteLengths;
  }

  /**
   * Checks {@code data}; a limit exceeded or broken framing (a length beyond the input or its
   * enclosing element, a missing end-of-contents, a primitive with indefinite length) is a
   * {@link SmimeOperationException} saying which.
   */
  public void check(byte[] data) throws SmimeOperationException {
    // bound[d]: where the element open at depth d must end (for an indefinite one: where its
    // nearest definite ancestor ends); open[d]: whether that element is indefinite.
    long[] bound = new long[maxDepth + 1];
    boolean[] indefinite = new boolean[maxDepth + 1];
    bound[0] = data.length;
    int depth = 0;
    int pos = 0;
    int indefiniteCount = 0;
    boolean started = false;
    while (true) {
      if (depth == 0 && started) {
        return;
      }
      if (depth > 0 && indefinite[depth] && pos + 1 < bound[depth]
          && data[pos] == 0 && data[pos + 1] == 0) {
        pos += 2;
        depth--;
        continue;
      }
      if (depth > 0 && !indefinite[depth] && pos == bound[depth]) {
        depth--;
        continue;
      }
      if (pos >= bound[depth]) {
        throw malformed("input ends inside an element");
      }
      started = true;
      boolean constructed = (data[pos] & 0x20) != 0;
      pos = skipTag(data, pos, (int) bound[depth]);
      int lengthByte = data[pos++] & 0xff;
      if (lengthByte == 0x80) {
        if (!constructed) {
          throw malformed("indefinite length on a primitive encoding");
        }
        if (++indefiniteCount > maxIndefiniteLengths) {
          throw new SmimeOperationException("message has more than "
              + maxIndefiniteLengths + " indefinite-length encodings"
              + " (VerifyLimits.maxIndefiniteLengths)");
        }
        depth = push(depth, bound, indefinite, bound[depth], true);
        continue;
      }
      long length = lengthByte;
      if (lengthByte > 0x80) {
        int count = lengthByte & 0x7f;
        if (count > 4 || pos + count > bound[depth]) {
          throw malformed("declared length field of " + count + " bytes");
        }
        length = 0;
        for (int i = 0; i < count; i++) {
          length = (length << 8) | (data[pos++] & 0xff);
        }
      }
      if (length > bound[depth] - pos) {
        throw malformed("declared length " + length + " exceeds the "
            + (bound[depth] - pos) + " bytes that remain");
      }
      if (constructed) {
        depth = push(depth, bound, indefinite, pos + length, false);
      } else {
        pos += (int) length;
      }
    }
  }

  /** Skips the identifier octets at {@code pos}; returns the position of the length octet. */
  private static int skipTag(byte[] data, int pos, int end) throws SmimeOperationException {
    int p = pos + 1;
    if ((data[pos] & 0x1f) == 0x1f) {
      int octets = 0;
      while (p < end && (data[p] & 0x80) != 0) {
        p++;
        if (++octets > 4) {
          throw malformed("tag number too large");
        }
      }
      p++;
    }
    if (p >= end) {
      throw malformed("input ends inside a header");
    }
    return p;
  }

  private int push(int depth, long[] bound, boolean[] indefinite, long end, boolean open)
      throws SmimeOperationException {
    if (depth + 1 > maxDepth) {
      throw new SmimeOperationException("ASN.1 nesting is deeper than " + maxDepth
          + " levels (VerifyLimits.maxAsn1Depth)");
    }
    bound[depth + 1] = end;
    indefinite[depth + 1] = open;
    return depth + 1;
  }

  private static SmimeOperationException malformed(String why) {
    return new SmimeOperationException("malformed CMS: " + why);
  }
}
