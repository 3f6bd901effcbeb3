package org.smimed.client.mime;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Locale;
import java.util.regex.Pattern;
import org.smimed.client.HashAlgorithm;

/**
 * Assembles signed S/MIME messages around a {@link SignedDataSigner}.
 *
 * <p>Guarantee: for multipart/signed, the bytes hashed are exactly the bytes written between
 * the first boundary line and the CRLF before the second one: the entity is built once, hashed,
 * and written from the same array. Only the digest leaves this class unless content sending
 * was asked for.
 */
public final class SignedMessageWriter {
  private static final Pattern MICALG = Pattern.compile("[a-z0-9-]+");

  private final SignedDataSigner signer;
  private final HashAlgorithm hash;
  private final boolean sendContent;
  private final SecureRandom random;

  /**
   * @param sendContent send the entity to the signer, not only its digest
   * @param random source for MIME boundaries
   */
  public SignedMessageWriter(SignedDataSigner signer, HashAlgorithm hash, boolean sendContent,
      SecureRandom random) {
    this.signer = signer;
    this.hash = hash;
    this.sendContent = sendContent;
    this.random = random;
  }

  /** multipart/signed with an application/pkcs7-signature part (RFC 8551 section 3.5.3). */
  public byte[] detached(MimeInput input) throws SmimeOperationException {
    byte[] entity = input.sevenBitEntity();
    SignedDataSigner.Result signed =
        signer.sign(new SignPayload(hash, digest(entity), sendContent ? entity : null, false));
    String micalg = micalg(signed);
    String boundary = boundaryNotIn(entity);
    ByteArrayOutputStream out = new ByteArrayOutputStream(entity.length + 8192);
    out.writeBytes(MimeInput.join(concatOuter(input, "multipart/signed;"
        + " protocol=\"application/pkcs7-signature\"; micalg=" + micalg + ";\r\n"
        + "\tboundary=\"" + boundary + "\""), new byte[0]));
    ascii(out, "This is an S/MIME signed message\r\n\r\n--" + boundary + "\r\n");
    out.writeBytes(entity);
    ascii(out, "\r\n--" + boundary + "\r\n"
        + "Content-Type: application/pkcs7-signature; name=smime.p7s\r\n"
        + "Content-Transfer-Encoding: base64\r\n"
        + "Content-Disposition: attachment; filename=smime.p7s\r\n\r\n");
    out.writeBytes(MimeInput.base64Lines(signed.signedData()));
    ascii(out, "\r\n--" + boundary + "--\r\n");
    return out.toByteArray();
  }

  /** application/pkcs7-mime; smime-type=signed-data with the entity inside the SignedData. */
  public byte[] encapsulated(MimeInput input) throws SmimeOperationException {
    byte[] entity = input.sevenBitEntity();
    SignedDataSigner.Result signed =
        signer.sign(new SignPayload(hash, digest(entity), entity, true));
    return Pkcs7Mime.write(input, "signed-data", signed.signedData());
  }

  private String micalg(SignedDataSigner.Result signed) throws SmimeOperationException {
    String micalg = signed.micalg() == null || signed.micalg().isBlank()
        ? hash.micalg() : signed.micalg().toLowerCase(Locale.ROOT);
    // The value goes into a header unquoted: refuse anything that is not a plain token.
    if (!MICALG.matcher(micalg).matches()) {
      throw new SmimeOperationException("signer returned an invalid micalg");
    }
    return micalg;
  }

  private byte[] digest(byte[] data) throws SmimeOperationException {
    try {
      return MessageDigest.getInstance(hash.jcaName()).digest(data);
    } catch (NoSuchAlgorithmException e) {
      throw new SmimeOperationException(hash.jcaName() + " is not available", e);
    }
  }

  private String boundaryNotIn(byte[] entity) {
    String text = new String(entity, StandardCharsets.ISO_8859_1);
    while (true) {
      byte[] r = new byte[16];
      random.nextBytes(r);
      String boundary = "----=_smime_" + HexFormat.of().formatHex(r);
      if (!text.contains(boundary)) {
        return boundary;
      }
    }
  }

  static java.util.List<Header> concatOuter(MimeInput input, String contentType) {
    var headers = new java.util.ArrayList<>(input.outerHeaders());
    headers.add(Header.of("MIME-Version", "1.0"));
    headers.add(Header.of("Content-Type", contentType));
    return headers;
  }

  private static void ascii(ByteArrayOutputStream out, String s) {
    out.writeBytes(s.getBytes(StandardCharsets.US_ASCII));
  }
}
