package org.smimed.client.mime;

/**
 * How to encrypt: the content algorithm and how each recipient is named and reached.
 *
 * <p>Guarantee: all fields are non-null; EC recipients always use ephemeral-static ECDH with
 * the SHA-256 KDF and AES-256 key wrap, whatever {@code rsa} says.
 *
 * @param cipher the content-encryption algorithm
 * @param idType how RecipientInfos name the recipients' certificates
 * @param rsa key transport for RSA recipients
 */
public record EncryptionSettings(ContentCipher cipher, RecipientIdType idType,
    RsaKeyTransport rsa) {
  public EncryptionSettings {
    if (cipher == null || idType == null || rsa == null) {
      throw new IllegalArgumentException("cipher, idType and rsa are required");
    }
  }

  /** AES-256-GCM, issuerAndSerialNumber, PKCS#1 v1.5: what every S/MIME 4.0 agent reads. */
  public static EncryptionSettings defaults() {
    return new EncryptionSettings(ContentCipher.AES256_GCM, RecipientIdType.ISSUER_SERIAL,
        RsaKeyTransport.PKCS1_V1_5);
  }
}
