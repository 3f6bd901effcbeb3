package org.smimed.client.mime;

import jakarta.mail.internet.ContentType;
import jakarta.mail.internet.ParseException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.Locale;
import java.util.Optional;

/**
 * A signed S/MIME message taken apart: the signed content, the CMS and the From field.
 *
 * <p>Guarantees: for multipart/signed, {@link #content()} is exactly the bytes between the
 * first boundary line and the line break before the next delimiter, canonicalised to CRLF
 * line ends unless the part declares {@code Content-Transfer-Encoding: binary}; that is what
 * RFC 8551 senders hash. A binary signature part is kept byte for byte. For application/pkcs7-mime,
 * {@link #cms()} is the body with only its transfer encoding undone: a binary, 8bit or 7bit
 * body is kept byte for byte, since CR and LF bytes in DER are not line ends. Raw CMS is
 * {@link #cms()} as it was saved (DER or BER), or decoded from its PEM or base64 text.
 *
 * @param content the signed entity, or null when it is encapsulated in {@code cms}
 * @param cms DER/BER ContentInfo of type SignedData
 * @param from the outer From field, if any
 * @param sender the outer Sender field, if any: RFC 8550 section 3 lets it match the signer
 *     when From does not (mail sent on someone's behalf)
 */
public record SignedMessage(byte[] content, byte[] cms, Optional<String> from,
    Optional<String> sender) {

  /**
   * Parses multipart/signed, application/pkcs7-mime; smime-type=signed-data, or raw CMS
   * without headers (a saved .p7m file in DER or BER, PEM or bare base64; see {@link RawCms}),
   * which has no From.
   */
  public static SignedMessage parse(byte[] message) throws SmimeOperationException {
    Optional<byte[]> raw = RawCms.cms(message);
    if (raw.isPresent()) {
      return new SignedMessage(null, raw.get(), Optional.empty(), Optional.empty());
    }
    // HeaderBlock reads LF-only and CRLF headers alike, so only the body needs a decision.
    HeaderBlock headers = HeaderBlock.parse(message);
    ContentType type = contentType(headers);
    byte[] body = Arrays.copyOfRange(message, headers.bodyOffset(), message.length);
    Optional<String> from = headers.addresses("From");
    Optional<String> sender = headers.addresses("Sender");
    String base = type.getBaseType().toLowerCase(Locale.ROOT);
    if (base.equals("multipart/signed")) {
      return multipart(type, body, from, sender);
    }
    if (ContentTypes.isPkcs7Mime(type, headers)) {
      // The CMS content type decides (checked when it is verified), not the label: a
      // gateway's mislabelled signed-data was refused by open, which had read the CMS as
      // signed (found by a review). A certs-only message is SignedData without signers.
      String smimeType = type.getParameter("smime-type");
      if (smimeType != null && smimeType.equalsIgnoreCase("certs-only")) {
        throw new SmimeOperationException("not a signed message: smime-type=certs-only"
            + " (certificates, no signature)");
      }
      return new SignedMessage(null, ContentTypes.cmsBody(headers, decodeBody(headers, body)),
          from, sender);
    }
    throw new SmimeOperationException("not a signed S/MIME message: " + type.getBaseType());
  }

  private static SignedMessage multipart(ContentType type, byte[] body, Optional<String> from,
      Optional<String> sender) throws SmimeOperationException {
    String boundary = type.getParameter("boundary");
    if (boundary == null || boundary.isEmpty()) {
      throw new SmimeOperationException("multipart/signed without boundary");
    }
    // Delimiters are found in the body as it came, at the start of a line ended by CRLF or by
    // the bare LF a relay or mailbox left: a binary part (AS2 and HTTP carry them) must not
    // be canonicalised, and every other part is canonicalised on its own below.
    String text = "\n" + new String(body, StandardCharsets.ISO_8859_1);
    String delimiter = "\n--" + boundary;
    int first = text.indexOf(delimiter);
    if (first < 0) {
      throw new SmimeOperationException("multipart/signed: boundary not found");
    }
    int part1Start = lineEnd(text, first + delimiter.length());
    int part1End = text.indexOf(delimiter, part1Start - 1);
    if (part1End < 0 || closes(text, part1End + delimiter.length())) {
      throw new SmimeOperationException("multipart/signed: second part missing");
    }
    int part2Start = lineEnd(text, part1End + delimiter.length());
    int part2End = text.indexOf(delimiter, part2Start - 1);
    if (part2End < 0) {
      throw new SmimeOperationException("multipart/signed: closing boundary missing");
    }
    if (part2End < part2Start) {
      // Found by fuzzing: "--b\r\n--b\r\n--b--" has a delimiter where the part should start.
      throw new SmimeOperationException("multipart/signed: empty signature part");
    }
    if (!closes(text, part2End + delimiter.length())) {
      // A third part would be shown beside a "Verified" it is not covered by (found by a
      // mail trial: an appended text/html part passed as signed).
      throw new SmimeOperationException("multipart/signed with more than two parts: a"
          + " multipart/signed has exactly two (RFC 1847 section 2.1), the signed part and"
          + " the signature");
    }
    byte[] all = text.getBytes(StandardCharsets.ISO_8859_1);
    byte[] content = part(all, part1Start, part1End);
    if (!isBinary(HeaderBlock.parse(content))) {
      // The signed part is text in the MIME sense: its line ends are CRLF, whatever a relay
      // or mailbox made of them (RFC 8551 section 3.1.1).
      content = Crlf.canonicalize(content);
    }
    byte[] sigPart = part(all, part2Start, part2End);
    HeaderBlock sigHeaders = HeaderBlock.parse(sigPart);
    ContentType sigType = contentType(sigHeaders);
    String sigBase = sigType.getBaseType().toLowerCase(Locale.ROOT);
    if (!sigBase.equals("application/pkcs7-signature")
        && !sigBase.equals("application/x-pkcs7-signature")) {
      throw new SmimeOperationException("multipart/signed: second part is " + sigBase);
    }
    byte[] sigBody = Arrays.copyOfRange(sigPart, sigHeaders.bodyOffset(), sigPart.length);
    return new SignedMessage(content, ContentTypes.cmsBody(sigHeaders,
        decodeBody(sigHeaders, sigBody)), from, sender);
  }

  /**
   * The part from {@code start} to the delimiter whose LF is at {@code delimiter}, without
   * the line break that belongs to the delimiter (RFC 2046 section 5.1.1): CRLF or a bare LF.
   */
  private static byte[] part(byte[] text, int start, int delimiter) {
    int end = delimiter > start && text[delimiter - 1] == '\r' ? delimiter - 1 : delimiter;
    return Arrays.copyOfRange(text, start, Math.max(start, end));
  }

  private static boolean isBinary(HeaderBlock headers) {
    return ContentTypes.transferEncodingOf(headers).equals("binary");
  }

  /** Whether the delimiter ending at {@code at} is the closing one ("--boundary--"). */
  private static boolean closes(String text, int at) {
    return text.startsWith("--", at);
  }

  /** Index just past the line end (LF) of the line that contains {@code from}. */
  private static int lineEnd(String text, int from) throws SmimeOperationException {
    int eol = text.indexOf('\n', from);
    if (eol < 0) {
      throw new SmimeOperationException("multipart/signed: truncated");
    }
    return eol + 1;
  }

  private static byte[] decodeBody(HeaderBlock headers, byte[] body)
      throws SmimeOperationException {
    String encoding = ContentTypes.transferEncodingOf(headers);
    try {
      return switch (encoding) {
        case "base64" -> Base64.getMimeDecoder().decode(body);
        case "quoted-printable" ->
            ContentTypes.quotedPrintable(new ByteArrayInputStream(body)).readAllBytes();
        case "binary", "8bit", "7bit" -> body;
        default -> throw new SmimeOperationException("unsupported transfer encoding " + encoding);
      };
    } catch (IllegalArgumentException e) {
      throw new SmimeOperationException("malformed base64 signature", e);
    } catch (IOException e) {
      throw new SmimeOperationException("malformed quoted-printable signature", e);
    }
  }

  private static ContentType contentType(HeaderBlock headers) throws SmimeOperationException {
    String value = headers.value("Content-Type").orElse("text/plain");
    try {
      return ContentTypes.parse(value);
    } catch (ParseException e) {
      throw new SmimeOperationException("malformed Content-Type: " + value, e);
    }
  }
}
