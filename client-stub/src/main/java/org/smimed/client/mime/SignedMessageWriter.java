package org.smimed.client.mime;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.security.DigestOutputStream;
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
    out.writeBytes(MimeInput.join(labelled(concatOuter(input, multipartSigned(micalg,
        boundary)), TransferClass.ofOutput(entity)), new byte[0]));
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

  /**
   * As {@link #detached(MimeInput)} for an entity in a file, in constant memory: the entity is
   * hashed while it is written to {@code out}, then signed from its digest (so content sending
   * does not apply), then the signature part follows. The micalg parameter is written before
   * the signature exists, so a signer that answers with another micalg is refused. The random
   * 128-bit boundary is checked against the entity as it passes.
   */
  public void detached(MimeFile input, OutputStream out)
      throws SmimeOperationException, IOException {
    detached(input, out, body -> {
      MessageDigest md = newDigest();
      input.writeSevenBitEntity(new DigestOutputStream(body, md));
      return signer.sign(new SignPayload(hash, md.digest(), null, false));
    });
  }

  /**
   * As {@link #detached(MimeFile, OutputStream)}, but the entity itself goes to
   * {@code streaming} (content sending) as it is written to {@code out}: still in constant
   * memory, and the same bytes both ways.
   */
  public void detached(MimeFile input, OutputStream out, ContentStreamSigner streaming)
      throws SmimeOperationException, IOException {
    detached(input, out, body -> streaming.sign(hash, false,
        daemon -> input.writeSevenBitEntity(tee(body, daemon)), null));
  }

  /** The entity, written to the stream it is given, and its signature. */
  private interface BodySigning {
    SignedDataSigner.Result sign(OutputStream body) throws SmimeOperationException, IOException;
  }

  private void detached(MimeFile input, OutputStream out, BodySigning signing)
      throws SmimeOperationException, IOException {
    String micalg = hash.micalg();
    String boundary = boundary();
    out.write(MimeInput.join(labelled(concatOuter(input.headers(), multipartSigned(micalg,
        boundary)), input.sevenBitEntityClass()), new byte[0]));
    out.write(ascii("This is an S/MIME signed message\r\n\r\n--" + boundary + "\r\n"));
    BoundaryWatch watch = new BoundaryWatch(out, ascii(boundary));
    SignedDataSigner.Result signed = signing.sign(watch);
    if (watch.seen()) {
      throw new SmimeOperationException("the entity contains the random MIME boundary");
    }
    if (!micalg(signed).equals(micalg)) {
      throw new SmimeOperationException("signer used micalg " + micalg(signed) + ", not "
          + micalg);
    }
    out.write(ascii("\r\n--" + boundary + "\r\n"
        + "Content-Type: application/pkcs7-signature; name=smime.p7s\r\n"
        + "Content-Transfer-Encoding: base64\r\n"
        + "Content-Disposition: attachment; filename=smime.p7s\r\n\r\n"));
    out.write(MimeInput.base64Lines(signed.signedData()));
    out.write(ascii("\r\n--" + boundary + "--\r\n"));
  }

  /**
   * application/pkcs7-mime; smime-type=signed-data for an entity in a file, in constant
   * memory: the entity streams to {@code streaming}, and the SignedData it streams back is
   * written to {@code out} in base64 lines as it arrives.
   */
  public void encapsulated(MimeFile input, OutputStream out, ContentStreamSigner streaming)
      throws SmimeOperationException, IOException {
    out.write(MimeInput.join(Pkcs7Mime.headers(input.headers(), "signed-data"), new byte[0]));
    OutputStream base64 = StreamEncodings.base64Lines(out);
    streaming.sign(hash, true, input::writeSevenBitEntity, base64);
    base64.close();
  }

  /** Every byte written goes to both streams; closing closes neither. */
  private static OutputStream tee(OutputStream first, OutputStream second) {
    return new OutputStream() {
      @Override
      public void write(int b) throws IOException {
        first.write(b);
        second.write(b);
      }

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        first.write(b, off, len);
        second.write(b, off, len);
      }
    };
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
    return newDigest().digest(data);
  }

  private MessageDigest newDigest() throws SmimeOperationException {
    try {
      return MessageDigest.getInstance(hash.jcaName());
    } catch (NoSuchAlgorithmException e) {
      throw new SmimeOperationException(hash.jcaName() + " is not available", e);
    }
  }

  private String boundaryNotIn(byte[] entity) {
    String text = new String(entity, StandardCharsets.ISO_8859_1);
    while (true) {
      String boundary = boundary();
      if (!text.contains(boundary)) {
        return boundary;
      }
    }
  }

  private String boundary() {
    byte[] r = new byte[16];
    random.nextBytes(r);
    return "----=_smime_" + HexFormat.of().formatHex(r);
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  private static String multipartSigned(String micalg, String boundary) {
    return "multipart/signed; protocol=\"application/pkcs7-signature\"; micalg=" + micalg
        + ";\r\n\tboundary=\"" + boundary + "\"";
  }

  /**
   * The outer fields with the Content-Transfer-Encoding that {@code signed} needs: a
   * multipart with 8-bit parts is signed as it is, and RFC 2045 section 6.4 has the
   * multipart/signed around it say 8bit (or binary) rather than default to 7bit (a standards
   * review). Such mail needs 8BITMIME end to end; smime sign warns of it.
   */
  private static java.util.List<Header> labelled(java.util.List<Header> outer,
      TransferClass signed) {
    var headers = new java.util.ArrayList<>(outer);
    signed.label().ifPresent(l -> headers.add(Header.of("Content-Transfer-Encoding", l)));
    return headers;
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
