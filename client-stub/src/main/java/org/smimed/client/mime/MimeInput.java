package org.smimed.client.mime;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * A message or bare MIME entity split into what gets protected and what stays outside.
 *
 * <p>Guarantees: the inner entity is the Content-* fields plus the body, with CRLF line ends
 * (RFC 8551 section 3.1.1); every other field (From, To, Subject, Date, Message-ID, ...) is kept
 * unchanged, in order, for the outer message, except MIME-Version, which the writers add
 * themselves. An entity without Content-Type is declared text/plain in the charset its body is
 * in ({@link DeclaredCharset}: us-ascii, which MIME assumes anyway, utf-8 or unknown-8bit), so
 * receivers need not guess.
 */
public final class MimeInput {
  private final List<Header> outer;
  private final List<Header> content;
  private final byte[] body;
  /** Whether the Content-Type field is one this class added. */
  private final boolean typeAdded;

  private MimeInput(List<Header> outer, List<Header> content, byte[] body,
      boolean typeAdded) {
    this.outer = outer;
    this.content = content;
    this.body = body;
    this.typeAdded = typeAdded;
  }

  /** Splits a whole RFC 5322 message or a bare entity; LF-only input is accepted. */
  public static MimeInput parse(byte[] message) {
    HeaderBlock block = HeaderBlock.parse(message);
    List<Header> outer = block.headers().stream()
        .filter(h -> !h.isContent() && !h.is("MIME-Version")).toList();
    List<Header> content = block.headers().stream().filter(Header::isContent).toList();
    byte[] body = Arrays.copyOfRange(message, block.bodyOffset(), message.length);
    boolean typeAdded = content.stream().noneMatch(h -> h.is("Content-Type"));
    if (typeAdded) {
      content = concat(List.of(plainText(DeclaredCharset.of(body))), content);
    }
    return new MimeInput(outer, content, body, typeAdded);
  }

  private static Header plainText(DeclaredCharset charset) {
    return Header.of("Content-Type", "text/plain; charset=" + charset.label());
  }

  /**
   * These fields with the Content-Type this class added, if it did, declaring {@code charset}:
   * for a body read apart from its header section ({@link MimeFile}).
   */
  MimeInput declaring(DeclaredCharset charset) {
    if (!typeAdded) {
      return this;
    }
    List<Header> fields = concat(List.of(plainText(charset)),
        content.stream().filter(h -> !h.is("Content-Type")).toList());
    return new MimeInput(outer, fields, body, true);
  }

  /**
   * {@link #parse}, refusing input that cannot be protected as it stands: a header section a
   * stray line ended ({@link HeaderBlock#requireWellFormed}), a binary part inside an entity not
   * labelled binary ({@link BinaryParts}). What the {@code smime} commands sign and encrypt.
   */
  public static MimeInput checked(byte[] message) throws SmimeOperationException {
    HeaderBlock.parse(message).requireWellFormed();
    MimeInput input = parse(message);
    try {
      BinaryParts.check(input, new java.io.ByteArrayInputStream(input.body));
    } catch (java.io.IOException cannot) {
      throw new java.io.UncheckedIOException(cannot); // a byte array does not fail
    }
    return input;
  }

  /**
   * {@code entity} (its Content-* fields and body; a MIME-Version field is dropped) under the
   * outer fields {@code outer}: how a protected entity goes back under the original From, To
   * and Subject.
   */
  public static MimeInput wrap(List<Header> outer, byte[] entity) {
    MimeInput parsed = parse(entity);
    return new MimeInput(List.copyOf(outer), parsed.content, parsed.body, parsed.typeAdded);
  }

  /** Whether the entity came without a Content-Type field (and has the one this class added). */
  boolean typeAdded() {
    return typeAdded;
  }

  /** The Content-* fields of the inner entity (with the default Content-Type if none). */
  List<Header> contentHeaders() {
    return content;
  }

  /** The fields that stay on the outer message. */
  public List<Header> outerHeaders() {
    return outer;
  }

  /** The first From field's value, if any. */
  public Optional<String> from() {
    return outer.stream().filter(h -> h.is("From")).findFirst().map(Header::value);
  }
  /**
   * The addresses of every From field, lower case (as {@code smime verify} compares them with
   * the signer's); empty without From, or when it cannot be read as addresses.
   */
  public List<String> fromAddresses() {
    return outer.stream().filter(h -> h.is("From"))
        .flatMap(h -> SignerCertificates.fromAddresses(h.value()).stream()).toList();
  }


  /**
   * The canonical inner entity, for encryption: headers and CRLF body. A body declared
   * {@code binary} is kept byte for byte, since line ends in binary data are not line ends.
   */
  public byte[] entity() {
    return join(content, transferEncoding().equals("binary") ? body : Crlf.canonicalize(body));
  }

  /**
   * The canonical inner entity, for signing. A single-part body that is not 7-bit safe (8-bit
   * bytes, NUL, lines over 998 octets) under an identity transfer encoding is re-encoded as
   * base64, because a mail relay may legally convert 8-bit data and so break a detached
   * signature (RFC 8551 section 3.1.3). In a multipart, so is each part labelled 8bit
   * ({@link SevenBitParts}); message/* entities are signed as they are.
   */
  public byte[] sevenBitEntity() {
    if (hasSevenBitParts()) {
      java.io.ByteArrayOutputStream parts = new java.io.ByteArrayOutputStream(body.length);
      try (SevenBitParts writer = new SevenBitParts(parts, boundary().orElseThrow(),
          isDigest())) {
        writer.write(Crlf.canonicalize(body));
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e); // a ByteArrayOutputStream does not fail
      }
      return join(content, parts.toByteArray());
    }
    boolean identityEncoding = List.of("", "7bit", "8bit", "binary").contains(transferEncoding());
    if (!identityEncoding || isComposite() || TransferClass.of(body) == TransferClass.SEVEN_BIT) {
      return entity();
    }
    byte[] decoded = isText() && !transferEncoding().equals("binary")
        ? Crlf.canonicalize(body) : body;
    List<Header> headers = concat(
        content.stream().filter(h -> !h.is("Content-Transfer-Encoding")).toList(),
        List.of(Header.of("Content-Transfer-Encoding", "base64")));
    return join(headers, base64Lines(decoded));
  }

  /**
   * Whether this is a multipart whose 8bit parts {@link SevenBitParts} re-encodes: one with a
   * boundary, not labelled binary (whose bytes are signed exactly as they are).
   */
  boolean isDigest() {
    return contentType().startsWith("multipart/digest");
  }

  boolean hasSevenBitParts() {
    return contentType().startsWith("multipart/") && boundary().isPresent()
        && List.of("", "7bit", "8bit").contains(transferEncoding());
  }

  /** Base64 in 76-character lines, each ending in CRLF (RFC 2045 section 6.8). */
  public static byte[] base64Lines(byte[] data) {
    byte[] encoded = Base64.getMimeEncoder(76, new byte[] {'\r', '\n'}).encode(data);
    byte[] out = Arrays.copyOf(encoded, encoded.length + 2);
    out[encoded.length] = '\r';
    out[encoded.length + 1] = '\n';
    return encoded.length == 0 ? new byte[0] : out;
  }

  /** Writes fields followed by the blank line and the body. */
  static byte[] join(List<Header> headers, byte[] body) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(body.length + 512);
    for (Header h : headers) {
      out.writeBytes(h.raw().getBytes(StandardCharsets.ISO_8859_1));
    }
    out.writeBytes(new byte[] {'\r', '\n'});
    out.writeBytes(body);
    return out.toByteArray();
  }

  /** The multipart boundary, as written (it is case-sensitive), if the entity has one. */
  Optional<String> boundary() {
    return content.stream().filter(h -> h.is("Content-Type")).findFirst()
        .flatMap(h -> BinaryParts.boundaryOf(h.value()));
  }

  private String contentType() {
    return content.stream().filter(h -> h.is("Content-Type")).findFirst()
        .map(Header::value).orElse("").toLowerCase(Locale.ROOT);
  }

  String transferEncoding() {
    return content.stream().filter(h -> h.is("Content-Transfer-Encoding")).findFirst()
        .map(h -> ContentTypes.transferEncoding(h.value())).orElse("");
  }

  boolean isComposite() {
    return contentType().startsWith("multipart/") || contentType().startsWith("message/");
  }

  boolean isText() {
    return contentType().startsWith("text/");
  }

  private static List<Header> concat(List<Header> a, List<Header> b) {
    return java.util.stream.Stream.concat(a.stream(), b.stream()).toList();
  }
}
