package org.smimed.client.mime;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Opens any nesting of S/MIME layers (signed, encrypted, compressed, triple-wrapped, ...) down
 * to the innermost entity.
 *
 * <p>Guarantees: each signature layer is verified with the {@link SignedMessageVerifier} and
 * each encrypted layer decrypted with the {@link CmsDecryptor} before the layer below it is
 * looked at; the first failure stops everything with a message naming the layer; a message
 * with more than {@code maxLayers} layers is refused before layer {@code maxLayers + 1} is
 * touched, so a hostile nesting cannot make the client (or the daemon) work without bound;
 * a message without any S/MIME layer is an error; raw CMS without headers (a saved .p7m file
 * in DER or BER, PEM or bare base64, see {@link RawCms}) is opened as the
 * application/pkcs7-mime entity it came from, and so is DER/BER CMS as a layer's content.
 * Each signature is checked against its own From and the message's outermost From (the one
 * a reader sees). The whole message is held in memory.
 */
public final class MessageOpener {
  /**
   * Most bytes one compressed layer may inflate to: the message is held in memory, and a few
   * kilobytes of zeros can claim gigabytes.
   */
  static final long MAX_INFLATED_BYTES = 64L * 1024 * 1024;
  private final SignedMessageVerifier verifier;
  private final CmsDecryptor decryptor;
  private final int maxLayers;

  public MessageOpener(SignedMessageVerifier verifier, CmsDecryptor decryptor, int maxLayers) {
    if (maxLayers < 1) {
      throw new IllegalArgumentException("maxLayers must be at least 1");
    }
    this.verifier = verifier;
    this.decryptor = decryptor;
    this.maxLayers = maxLayers;
  }

  /**
   * Opens {@code message}, reporting each layer to {@code onLayer} as soon as it is open, and
   * returns the innermost entity exactly as the innermost layer protected it.
   */
  public byte[] open(byte[] message, Consumer<Layer> onLayer)
      throws SmimeOperationException, IOException {
    // The From a reader sees; every signature beneath is checked against it as well.
    HeaderBlock outer = HeaderBlock.parse(message);
    Optional<String> outerFrom = outer.addresses("From");
    Optional<String> outerSender = outer.addresses("Sender");
    // A saved .p7m file is the CMS alone; opened like the attachment it was cut from.
    Optional<byte[]> raw = RawCms.cms(message);
    byte[] current = raw.isPresent() ? RawCms.asEntity(raw.get()) : message;
    int index = 0;
    while (true) {
      LayerKind kind = kindOf(current, index + 1);
      if (kind == LayerKind.NONE) {
        if (index == 0) {
          throw new SmimeOperationException("not an S/MIME message: no signed or encrypted layer");
        }
        return current;
      }
      index++;
      if (index > maxLayers) {
        throw new SmimeOperationException("layer " + index + ": more than " + maxLayers
            + " nested S/MIME layers");
      }
      ByteArrayOutputStream inner = new ByteArrayOutputStream(current.length);
      onLayer.accept(openOne(kind, index, current, inner, outerFrom, outerSender));
      current = nestedCms(inner.toByteArray()).orElse(inner.toByteArray());
    }
  }

  /**
   * A layer whose content is itself CMS without MIME headers, as {@code gpgsm --sign | gpgsm
   * --encrypt} and the same OpenSSL pipeline make it: opened as the .p7m it is (an interop
   * trial was handed the inner SignedData, unverified, as the message). Only DER/BER that
   * reads as signed, encrypted or compressed CMS counts; other binary content (a DER
   * certificate encrypted as a file) is the content.
   */
  private static Optional<byte[]> nestedCms(byte[] content) {
    if (content.length < 2 || content[0] != 0x30 || (content[1] & 0xff) < 0x80) {
      return Optional.empty();
    }
    try {
      Optional<byte[]> entity = RawCms.cms(content).map(RawCms::asEntity);
      return entity.isPresent() && LayerKind.of(entity.get()) != LayerKind.NONE ? entity
          : Optional.empty();
    } catch (SmimeOperationException notCms) {
      return Optional.empty();
    }
  }

  private Layer openOne(LayerKind kind, int index, byte[] entity, ByteArrayOutputStream inner,
      Optional<String> outerFrom, Optional<String> outerSender)
      throws SmimeOperationException, IOException {
    try {
      if (kind == LayerKind.SIGNED) {
        Verification v = verifier.verify(entity, outerFrom, outerSender);
        inner.writeBytes(v.content());
        return new Layer.Signed(index, v);
      }
      if (kind == LayerKind.COMPRESSED) {
        CompressedLayer.open(entity, MAX_INFLATED_BYTES, inner);
        return new Layer.Compressed(index);
      }
      DecryptionReport report = EncryptedMessageReader.decrypt(
          new ByteArrayInputStream(entity), decryptor, inner);
      return new Layer.Encrypted(index, report);
    } catch (SmimeOperationException e) {
      throw new SmimeOperationException("layer " + index + ": " + e.getMessage(), e);
    } catch (TruncatedCmsException e) {
      // The mail's fault, said as decrypt says it, not as an I/O error (found by a review).
      throw new SmimeOperationException("layer " + index + ": the CMS is truncated: expected "
          + e.expected() + " bytes, got " + e.actual() + " (a partial download or copy?)", e);
    }
  }

  private static LayerKind kindOf(byte[] entity, int index) throws SmimeOperationException {
    try {
      return LayerKind.of(entity);
    } catch (SmimeOperationException e) {
      throw new SmimeOperationException("layer " + index + ": " + e.getMessage(), e);
    }
  }
}
