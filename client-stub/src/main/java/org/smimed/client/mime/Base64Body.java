package org.smimed.client.mime;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Base64;

/**
 * A base64 body decoded as it is read (RFC 2045: line breaks and other characters outside the
 * alphabet ignored), whose own decoding errors are the message's fault: a {@link
 * CmsText.Malformed} saying so, not an I/O error. The usual one is a body cut off in the
 * middle of a byte (a partial download), which the JDK reports as "one un-decoded dangling
 * byte" (found by a new-user trial, as "smime: I/O error: Base64 stream has ..."). Errors of
 * the input underneath stay what they were.
 */
final class Base64Body extends FilterInputStream {
  private final Input input;

  private Base64Body(Input input) {
    super(Base64.getMimeDecoder().wrap(input));
    this.input = input;
  }

  static InputStream of(InputStream encoded) {
    return new Base64Body(new Input(encoded));
  }

  @Override
  public int read() throws IOException {
    try {
      return super.read();
    } catch (IOException e) {
      throw judged(e);
    }
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    try {
      return super.read(b, off, len);
    } catch (IOException e) {
      throw judged(e);
    }
  }

  private IOException judged(IOException e) {
    if (input.failed) {
      return e;
    }
    String why = e.getMessage() != null && e.getMessage().contains("dangling")
        ? "the base64 body ends in the middle of a byte: the message is cut short (a partial"
            + " download or copy?)"
        : "malformed base64 body (" + e.getMessage() + ")";
    CmsText.Malformed malformed = new CmsText.Malformed(why);
    malformed.initCause(e);
    return malformed;
  }

  /** The encoded input, noting whether it failed itself. */
  private static final class Input extends FilterInputStream {
    private boolean failed;

    Input(InputStream in) {
      super(in);
    }

    @Override
    public int read() throws IOException {
      try {
        return super.read();
      } catch (IOException e) {
        failed = true;
        throw e;
      }
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      try {
        return super.read(b, off, len);
      } catch (IOException e) {
        failed = true;
        throw e;
      }
    }
  }
}
