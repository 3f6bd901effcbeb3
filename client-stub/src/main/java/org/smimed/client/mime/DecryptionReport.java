package org.smimed.client.mime;

/**
 * Who decrypted a message and with which content algorithm; no key material, no plaintext.
 *
 * @param identity the identity whose key decrypted, or "" when the decryptor does not say
 * @param keyVersion the key version that decrypted, its full name ("identity/vN"), or ""
 * @param contentAlgorithmOid dotted OID of the content-encryption algorithm, or ""
 */
public record DecryptionReport(String identity, String keyVersion, String contentAlgorithmOid) {

  /** "AES-256-GCM" for ciphers we know, else the dotted OID (or "unknown cipher"). */
  public String contentAlgorithmName() {
    if (contentAlgorithmOid.isEmpty()) {
      return "unknown cipher";
    }
    return ContentCipher.fromOid(contentAlgorithmOid).map(ContentCipher::displayName)
        .orElse(contentAlgorithmOid);
  }
}
