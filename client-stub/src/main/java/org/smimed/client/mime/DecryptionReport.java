package org.smimed.client.mime;

/**
 * Who decrypted a message and with which content algorithm; no key material, no plaintext.
 *
 * @param identity the identity whose key decrypted, or "" when the decryptor does not say
 * @param keyVersion the key version that decrypted, its full name ("identity/vN"), or ""
 * @param contentAlgorithmOid dotted OID of the content-encryption algorithm, or ""
 */
public record DecryptionReport(String identity, String keyVersion, String contentAlgorithmOid) {

  /** Triple DES: the daemon decrypts it only when configured to, for archived mail. */
  private static final String DES_EDE3_CBC = "1.2.840.113549.3.7";
  /** Algorithms the daemon decrypts that this client does not encrypt with. */
  private static final java.util.Map<String, String> DECRYPT_ONLY = java.util.Map.of(
      "2.16.840.1.101.3.4.1.22", "AES-192-CBC",
      "2.16.840.1.101.3.4.1.26", "AES-192-GCM",
      DES_EDE3_CBC, "DES-EDE3-CBC (legacy)");

  /** "AES-256-GCM" for ciphers we know, else the dotted OID (or "unknown cipher"). */
  public String contentAlgorithmName() {
    if (contentAlgorithmOid.isEmpty()) {
      return "unknown cipher";
    }
    return ContentCipher.fromOid(contentAlgorithmOid).map(ContentCipher::displayName)
        .orElse(DECRYPT_ONLY.getOrDefault(contentAlgorithmOid, contentAlgorithmOid));
  }

  /** Whether the content was encrypted with a legacy algorithm (Triple DES). */
  public boolean legacy() {
    return contentAlgorithmOid.equals(DES_EDE3_CBC);
  }
}
