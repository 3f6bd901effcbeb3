package org.smimed.client.mime;

import jakarta.mail.internet.ContentType;
import jakarta.mail.internet.ParseException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Locale;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.cms.CMSObjectIdentifiers;
import org.bouncycastle.asn1.cms.ContentInfo;

/**
 * What protection the top of a MIME entity carries.
 *
 * <p>Guarantee: {@link #of} names an entity {@link #SIGNED}, {@link #ENCRYPTED} or
 * {@link #COMPRESSED} only when
 * its CMS content type says so (or, when the CMS cannot be read, its Content-Type's smime-type
 * does; multipart/signed is SIGNED); anything that is not
 * S/MIME is {@link #NONE}; an S/MIME type this client cannot open (certs-only, ...) is an
 * error, never silently treated as content.
 */
enum LayerKind {
  SIGNED,
  ENCRYPTED,
  /** CMS CompressedData (RFC 3274), opened without the daemon. */
  COMPRESSED,
  NONE;

  static LayerKind of(byte[] entity) throws SmimeOperationException {
    HeaderBlock headers = HeaderBlock.parse(entity);
    ContentType type;
    try {
      type = ContentTypes.parse(headers.value("Content-Type").orElse("text/plain"));
    } catch (ParseException e) {
      return NONE;
    }
    String base = type.getBaseType().toLowerCase(Locale.ROOT);
    if (base.equals("multipart/signed")) {
      return SIGNED;
    }
    if (!ContentTypes.isPkcs7Mime(type, headers)) {
      return NONE;
    }
    String smimeType = type.getParameter("smime-type");
    if (smimeType == null) {
      return sniff(entity);
    }
    LayerKind labelled = switch (smimeType.toLowerCase(Locale.ROOT)) {
      case "signed-data" -> SIGNED;
      case "enveloped-data", "authenveloped-data" -> ENCRYPTED;
      case "compressed-data" -> COMPRESSED;
      default -> throw new SmimeOperationException("unsupported smime-type " + smimeType);
    };
    try {
      // The CMS says what it is: a gateway's wrong label (enveloped-data sent as signed-data)
      // blocked mail OpenSSL opens (found by a mail trial). The label decides only when the
      // CMS cannot be read this far.
      return sniff(entity);
    } catch (SmimeOperationException unreadable) {
      return labelled;
    }
  }

  /** Reads the CMS content type when the MIME type does not say what the CMS is. */
  private static LayerKind sniff(byte[] entity) throws SmimeOperationException {
    try {
      // cmsStream accepts any pkcs7-mime without smime-type and undoes the transfer encoding.
      byte[] cms = EncryptedMessageReader.cmsStream(new ByteArrayInputStream(entity))
          .readAllBytes();
      var oid = ContentInfo.getInstance(ASN1Primitive.fromByteArray(cms)).getContentType();
      if (oid.equals(CMSObjectIdentifiers.signedData)) {
        return SIGNED;
      }
      if (oid.equals(CMSObjectIdentifiers.envelopedData)
          || oid.equals(CMSObjectIdentifiers.authEnvelopedData)) {
        return ENCRYPTED;
      }
      if (oid.equals(CMSObjectIdentifiers.compressedData)) {
        return COMPRESSED;
      }
      throw new SmimeOperationException("unsupported CMS content type " + oid.getId());
    } catch (IOException | IllegalArgumentException e) {
      throw new SmimeOperationException("malformed application/pkcs7-mime body", e);
    }
  }
}
