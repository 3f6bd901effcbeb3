package org.smimed.client;

/**
 * How to sign content streamed to the daemon ({@link SmimeClient#signStream}).
 *
 * @param identity the identity to sign as, e.g. "billing@example.com"
 * @param encapsulate true to put the content inside the SignedData
 * @param signatureScheme preferred signature scheme, or null for the key's default
 * @param hashAlgorithm digest algorithm, or null for the key's default
 */
public record StreamSigningRequest(String identity, boolean encapsulate,
    SignatureScheme signatureScheme, HashAlgorithm hashAlgorithm) {
  public StreamSigningRequest {
    if (identity == null || identity.isBlank()) {
      throw new IllegalArgumentException("identity is required");
    }
    signatureScheme = signatureScheme == null ? SignatureScheme.KEY_DEFAULT : signatureScheme;
  }
}
