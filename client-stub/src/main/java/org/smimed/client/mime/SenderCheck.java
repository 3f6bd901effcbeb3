package org.smimed.client.mime;

/**
 * What to do when a From address is not among the signer certificate's e-mail addresses
 * (RFC 8550 section 3).
 *
 * <p>Guarantee: {@link #STRICT} fails verification on a mismatch, {@link #WARN} reports it,
 * {@link #OFF} skips the comparison. Every mailbox of a From with several, and of every From
 * field, must be the signer's; a From that cannot be read as an address, or signed by a
 * certificate without e-mail address, is a mismatch (it cannot be checked). A message without
 * From (a saved .p7m, an entity without headers) has nothing to compare and is not a
 * mismatch.
 */
public enum SenderCheck {
  STRICT,
  WARN,
  OFF
}
