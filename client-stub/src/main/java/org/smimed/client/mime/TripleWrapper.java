package org.smimed.client.mime;

import java.security.cert.X509Certificate;
import java.util.List;

/**
 * Builds triple-wrapped messages (RFC 2634 section 1.1): sign, encrypt, sign.
 *
 * <p>Guarantees: the inner signature (multipart/signed) covers the input's canonical entity
 * only, so no outer field (From, To, Subject) is inside the encryption; the encrypted layer is
 * an application/pkcs7-mime entity holding that signed entity; the outer signature
 * (multipart/signed) covers the encrypted entity and carries the input's outer fields. Both
 * signatures come from the same {@link SignedMessageWriter}, i.e. the same signer.
 */
public final class TripleWrapper {
  private final SignedMessageWriter signer;
  private final EncryptedMessageWriter encryptor;

  public TripleWrapper(SignedMessageWriter signer, EncryptedMessageWriter encryptor) {
    this.signer = signer;
    this.encryptor = encryptor;
  }

  /** Returns the whole triple-wrapped message. */
  public byte[] wrap(MimeInput input, List<X509Certificate> recipients,
      EncryptionSettings settings) throws SmimeOperationException {
    byte[] innerSigned = signer.detached(MimeInput.wrap(List.of(), input.entity()));
    byte[] encrypted = encryptor.encrypt(MimeInput.parse(innerSigned), recipients, settings);
    return signer.detached(MimeInput.wrap(input.outerHeaders(), encrypted));
  }
}
