package org.smimed.client.mime;

/**
 * How a RecipientInfo names the recipient's certificate (RFC 5652 section 6.2).
 *
 * <p>Guarantee: {@link #SUBJECT_KEY_ID} is only used when the certificate carries a
 * subjectKeyIdentifier extension; encryption fails otherwise rather than inventing one.
 */
public enum RecipientIdType {
  ISSUER_SERIAL,
  SUBJECT_KEY_ID
}
