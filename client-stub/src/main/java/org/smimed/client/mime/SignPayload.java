package org.smimed.client.mime;

import org.smimed.client.HashAlgorithm;

/**
 * What a {@link SignedDataSigner} is asked to sign.
 *
 * <p>Guarantee: {@code digest} is always the hash of exactly the bytes that the message carries
 * as signed content; {@code content} is those bytes when the caller chose to send them (or
 * encapsulation needs them), else null.
 *
 * @param hash the hash algorithm of {@code digest}
 * @param digest the digest of the content
 * @param content the content, or null to sign from the digest alone
 * @param encapsulate true when the SignedData must contain the content
 */
public record SignPayload(HashAlgorithm hash, byte[] digest, byte[] content, boolean encapsulate) {
  public SignPayload {
    digest = digest.clone();
    content = content == null ? null : content.clone();
    if (encapsulate && content == null) {
      throw new IllegalArgumentException("encapsulation needs the content");
    }
  }

  @Override
  public byte[] digest() {
    return digest.clone();
  }

  @Override
  public byte[] content() {
    return content == null ? null : content.clone();
  }
}
