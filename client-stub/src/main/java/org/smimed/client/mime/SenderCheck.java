package org.smimed.client.mime;

/**
 * What to do when the From address is not among the signer certificate's e-mail addresses
 * (RFC 8550 section 3).
 *
 * <p>Guarantee: {@link #STRICT} fails verification on a mismatch, {@link #WARN} reports it,
 * {@link #OFF} skips the comparison. A message without From, or a certificate without e-mail
 * address, is never a mismatch.
 */
public enum SenderCheck {
  STRICT,
  WARN,
  OFF
}
