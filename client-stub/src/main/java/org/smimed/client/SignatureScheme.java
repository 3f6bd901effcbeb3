package org.smimed.client;

/**
 * Signature algorithm preference sent with a signing request.
 *
 * <p>Guarantee: {@link #KEY_DEFAULT} lets the daemon pick the scheme that goes with the key; any
 * other value is either honoured or refused by the daemon (never silently replaced).
 */
public enum SignatureScheme {
  KEY_DEFAULT,
  RSA_PKCS1,
  ECDSA,
  /** RSASSA-PSS (RFC 4056), MGF1 with the same hash, salt length = hash length. */
  RSA_PSS
}
