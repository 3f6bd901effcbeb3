package org.smimed.client.mime;

import jakarta.mail.internet.ContentType;
import jakarta.mail.internet.ParseException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PushbackInputStream;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Takes an encrypted S/MIME message apart and hands its CMS to a {@link CmsDecryptor}.
 *
 * <p>Guarantees: raw CMS without headers (a saved .p7m file in DER or BER, PEM or bare base64,
 * see {@link RawCms}) is accepted as the CMS itself, text decoded strictly as it streams;
 * only the header section is held in memory (at most 256 KiB); the body is
 * decoded from base64 (or passed through when binary) as a stream, so the CMS reaches the
 * decryptor byte for byte without the message being buffered; the decrypted inner entity is
 * written unchanged.
 */
public final class EncryptedMessageReader {
  private static final Set<String> SMIME_TYPES = Set.of("enveloped-data", "authenveloped-data");

  private EncryptedMessageReader() {}

  /**
   * Reads the headers of {@code message} and returns a stream of the CMS bytes in its body; a
   * message that is raw CMS ({@link RawCms}, a saved .p7m file) is that CMS, decoded from PEM
   * or base64 as it is read: malformed text then fails the read with an IOException, and DER
   * cut short of its declared length with a {@link TruncatedCmsException}.
   */
  public static InputStream cmsStream(InputStream input)
      throws IOException, SmimeOperationException {
    PushbackInputStream message = new PushbackInputStream(input, RawCms.PEEK);
    Optional<InputStream> raw = RawCms.checkedCmsStream(message);
    if (raw.isPresent()) {
      return raw.get();
    }
    HeaderBlock headers = HeaderBlock.read(message);
    String typeValue = headers.value("Content-Type")
        .orElseThrow(() -> new SmimeOperationException("not an S/MIME message: no Content-Type"));
    ContentType type = parse(typeValue);
    if (!ContentTypes.isPkcs7Mime(type, headers)) {
      throw new SmimeOperationException("not an encrypted S/MIME message: " + type.getBaseType());
    }
    String smimeType = type.getParameter("smime-type");
    if (smimeType != null && !SMIME_TYPES.contains(smimeType.toLowerCase(Locale.ROOT))) {
      throw new SmimeOperationException("not an encrypted S/MIME message: smime-type="
          + smimeType);
    }
    InputStream body = ContentTypes.decoded(headers, message);
    // An empty body (a failed encryption's output file) is the message's fault, said here
    // rather than as the daemon's complaint about an empty request.
    PushbackInputStream peek = new PushbackInputStream(body, 1);
    int first = peek.read();
    if (first < 0) {
      throw new SmimeOperationException("not an encrypted S/MIME message: the body is empty");
    }
    peek.unread(first);
    return peek;
  }

  /**
   * Decrypts {@code message} with {@code decryptor}, writing the inner entity to {@code out}.
   *
   * @throws TruncatedCmsException if {@code message} is raw DER cut short of its declared
   *     length, noticed as its end is read (before a message of up to 64 KiB is sent at all,
   *     see SmimeClient#decrypt); left as such so that the caller can name the input
   */
  public static DecryptionReport decrypt(InputStream message, CmsDecryptor decryptor,
      OutputStream out) throws IOException, SmimeOperationException {
    try {
      return decryptor.decrypt(cmsStream(message), out);
    } catch (CmsText.Malformed e) {
      // The message's fault, found while the CMS streamed: said as such, not as an I/O error.
      throw new SmimeOperationException(e.getMessage(), e);
    }
  }

  private static ContentType parse(String value) throws SmimeOperationException {
    try {
      return ContentTypes.parse(value);
    } catch (ParseException e) {
      throw new SmimeOperationException("malformed Content-Type: " + value, e);
    }
  }
}
