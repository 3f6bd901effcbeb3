package org.smimed.client.mime;

import jakarta.mail.internet.ContentType;
import jakarta.mail.internet.ParseException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PushbackInputStream;
import java.util.Optional;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.cms.CMSObjectIdentifiers;

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

  /** Enough of a ContentInfo to read its content type (a long definite length included). */
  private static final int HEAD = 32;

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
    // No judgement on smime-type: what the CMS is decides (requireEnvelope), as a gateway's
    // wrong label blocked mail OpenSSL decrypts (found by a mail trial).
    InputStream body = ContentTypes.cmsBody(headers, message);
    // An empty body (a failed encryption's output file) is the message's fault, said here
    // rather than as the daemon's complaint about an empty request.
    PushbackInputStream peek = new PushbackInputStream(body, RawCms.PEEK);
    byte[] head = peek.readNBytes(RawCms.PEEK);
    if (head.length == 0) {
      throw new SmimeOperationException("not an encrypted S/MIME message: the body is empty");
    }
    peek.unread(head);
    // A cut-off mail is said locally, by name, as for a saved DER file; the daemon could
    // only say "decryption failed" (found by a mail trial).
    return head.length >= 2 && head[0] == 0x30 && (head[1] & 0xff) >= 0x80
        ? DerLengthCheck.wrapBody(peek, head) : peek;
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
      return decryptor.decrypt(requireEnvelope(cmsStream(message)), out);
    } catch (CmsText.Malformed e) {
      // The message's fault, found while the CMS streamed: said as such, not as an I/O error.
      throw new SmimeOperationException(e.getMessage(), e);
    }
  }

  /**
   * {@code cms} unchanged, once its first bytes show a content type other than EnvelopedData
   * or AuthEnvelopedData refused by name: a saved signature (.p7s) given to decrypt went to
   * the daemon and came back as "decryption failed" (found by an interop trial). Bytes that do
   * not parse that far are left for the decryptor to judge.
   */
  private static InputStream requireEnvelope(InputStream cms)
      throws IOException, SmimeOperationException {
    PushbackInputStream peek = new PushbackInputStream(cms, HEAD);
    byte[] head = peek.readNBytes(HEAD);
    peek.unread(head);
    Optional<ASN1ObjectIdentifier> type = contentType(head);
    if (type.isEmpty() || type.get().equals(CMSObjectIdentifiers.envelopedData)
        || type.get().equals(CMSObjectIdentifiers.authEnvelopedData)) {
      return peek;
    }
    String name = type.get().equals(CMSObjectIdentifiers.signedData)
        ? "SignedData (signed, not encrypted: use smime verify or smime open)"
        : type.get().equals(CMSObjectIdentifiers.compressedData)
            ? "CompressedData (use smime open)" : "content type " + type.get().getId();
    throw new SmimeOperationException("not an encrypted message: the CMS is " + name);
  }

  /** The OID opening a ContentInfo: SEQUENCE, its length, then the OBJECT IDENTIFIER. */
  private static Optional<ASN1ObjectIdentifier> contentType(byte[] head) {
    if (head.length < 4 || head[0] != 0x30) {
      return Optional.empty();
    }
    int length = head[1] & 0xff;
    int at = 2 + (length > 0x80 ? length - 0x80 : 0);
    if (at + 2 > head.length || head[at] != 0x06 || (head[at + 1] & 0xff) >= 0x80
        || at + 2 + head[at + 1] > head.length) {
      return Optional.empty();
    }
    try {
      return Optional.of(ASN1ObjectIdentifier.getInstance(ASN1Primitive.fromByteArray(
          java.util.Arrays.copyOfRange(head, at, at + 2 + head[at + 1]))));
    } catch (IOException | IllegalArgumentException e) {
      return Optional.empty();
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
