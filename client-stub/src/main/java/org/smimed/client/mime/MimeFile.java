package org.smimed.client.mime;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A message or bare MIME entity in a file, read as a stream: the streaming form of
 * {@link MimeInput} for entities too large to hold in memory.
 *
 * <p>Guarantees: only the header section (at most 256 KiB) is kept in memory; the entities
 * written are byte for byte those of {@link MimeInput#entity()} and
 * {@link MimeInput#sevenBitEntity()} for the same input; the file is read again for each
 * pass, so it must not change while in use.
 */
public final class MimeFile {

  private final Path file;
  private final MimeInput headers;
  private final long bodyOffset;
  /**
   * The body's and the seven-bit entity's transfer classes, found once: the file must not
   * change while in use, and each costs a pass over it (smime sign asked for the same scans
   * for its warning, its label and its write, reading a large file up to six times).
   */
  private TransferClass bodyClass;
  private TransferClass sevenBitEntityClass;

  private MimeFile(Path file, MimeInput headers, long bodyOffset) {
    this.file = file;
    this.headers = headers;
    this.bodyOffset = bodyOffset;
  }

  /**
   * Reads the header section of {@code file}, refusing one a stray line ended, and a body
   * {@link BinaryParts} refuses.
   */
  public static MimeFile open(Path file) throws IOException, SmimeOperationException {
    try (InputStream in = new BufferedInputStream(Files.newInputStream(file))) {
      byte[] section = readHeaderSection(in);
      HeaderBlock block = HeaderBlock.parse(section).requireWellFormed();
      byte[] headerBytes = java.util.Arrays.copyOf(section, block.bodyOffset());
      MimeFile opened = new MimeFile(file, MimeInput.parse(headerBytes), block.bodyOffset());
      try (InputStream body = opened.body()) {
        BinaryParts.check(opened.headers, body);
      }
      if (!opened.headers.typeAdded()) {
        return opened;
      }
      try (InputStream body = opened.body()) {
        return new MimeFile(file, opened.headers.declaring(DeclaredCharset.of(body)),
            block.bodyOffset());
      }
    }
  }

  private static byte[] readHeaderSection(InputStream in) throws IOException {
    java.io.ByteArrayOutputStream copy = new java.io.ByteArrayOutputStream();
    InputStream tee = new java.io.FilterInputStream(in) {
      @Override
      public int read() throws IOException {
        int b = super.read();
        if (b >= 0) {
          copy.write(b);
        }
        return b;
      }
    };
    try {
      HeaderBlock.read(tee);
    } catch (IOException tooLong) {
      // A bare body without a blank line in its first 256 KiB has no header section at all;
      // a real header section that long is refused, as HeaderBlock.read says.
      if (HeaderBlock.parse(copy.toByteArray()).bodyOffset() != 0) {
        throw tooLong;
      }
      return new byte[0];
    }
    return copy.toByteArray();
  }

  /** The header fields, as a {@link MimeInput} without a body. */
  public MimeInput headers() {
    return headers;
  }

  /** Writes {@link MimeInput#entity()}: for encryption. */
  public void writeEntity(OutputStream out) throws IOException {
    out.write(MimeInput.join(headers.contentHeaders(), new byte[0]));
    boolean binary = headers.transferEncoding().equals("binary");
    OutputStream body = binary ? StreamEncodings.keepOpen(out) : StreamEncodings.crlf(out);
    copyBody(body);
    body.close();
  }

  /** Writes {@link MimeInput#sevenBitEntity()}: for signing. Reads the body twice. */
  public void writeSevenBitEntity(OutputStream out) throws IOException {
    if (headers.hasSevenBitParts()) {
      out.write(MimeInput.join(headers.contentHeaders(), new byte[0]));
      SevenBitParts parts = new SevenBitParts(out, headers.boundary().orElseThrow(),
          headers.isDigest());
      OutputStream body = StreamEncodings.crlf(parts);
      copyBody(body);
      body.close();
      parts.close();
      return;
    }
    String encoding = headers.transferEncoding();
    boolean identityEncoding = List.of("", "7bit", "8bit", "binary").contains(encoding);
    if (!identityEncoding || headers.isComposite() || bodyClass() == TransferClass.SEVEN_BIT) {
      writeEntity(out);
      return;
    }
    List<Header> fields = new ArrayList<>(headers.contentHeaders().stream()
        .filter(h -> !h.is("Content-Transfer-Encoding")).toList());
    fields.add(Header.of("Content-Transfer-Encoding", "base64"));
    out.write(MimeInput.join(fields, new byte[0]));
    OutputStream base64 = StreamEncodings.base64Lines(out);
    OutputStream body = headers.isText() && !encoding.equals("binary")
        ? StreamEncodings.crlf(base64) : base64;
    copyBody(body);
    body.flush();
    base64.close();
  }

  /**
   * Whether what {@link #writeSevenBitEntity} writes still holds 8-bit data, lines over 998
   * octets or line ends other than CRLF: in a message/* part, a part labelled 7bit or binary,
   * a part whose header section it leaves as it stands, a preamble, or the header fields.
   * Such an entity is signed with them. Reads the body once more.
   */
  public boolean hasEightBitDataLeft() throws IOException {
    return sevenBitEntityClass() != TransferClass.SEVEN_BIT;
  }

  /**
   * What {@link #writeSevenBitEntity} needs of its transport, read from what it writes: a
   * single part's raw 8-bit bytes under quoted-printable, or a raw UTF-8 file name in a
   * Content-* field, count too (found by a trial: such output went out unlabelled).
   */
  TransferClass sevenBitEntityClass() throws IOException {
    if (sevenBitEntityClass == null) {
      TransferClass.Sink sink = new TransferClass.Sink();
      writeSevenBitEntity(sink);
      sevenBitEntityClass = sink.result();
    }
    return sevenBitEntityClass;
  }

  private TransferClass bodyClass() throws IOException {
    if (bodyClass == null) {
      try (InputStream in = body()) {
        bodyClass = TransferClass.of(in);
      }
    }
    return bodyClass;
  }


  private void copyBody(OutputStream out) throws IOException {
    try (InputStream in = body()) {
      in.transferTo(out);
    }
  }

  private InputStream body() throws IOException {
    // Buffered: its readers may take a byte at a time (a base64 decoder does).
    InputStream in = new BufferedInputStream(Files.newInputStream(file), 64 * 1024);
    in.skipNBytes(bodyOffset);
    return in;
  }
}
