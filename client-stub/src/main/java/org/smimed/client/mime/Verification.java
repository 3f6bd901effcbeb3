package org.smimed.client.mime;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * A successfully verified signed message.
 *
 * <p>Guarantee: exists only when every signature verified and every signer's certificate
 * chained to a trust anchor; it describes the signer whose address From names (else the
 * first).
 *
 * @param content the signed entity (for multipart/signed, byte for byte as signed)
 * @param signerSubject the signer certificate's subject (RFC 2253)
 * @param signerEmails the e-mail addresses in the signer certificate
 * @param signingTime the signed signingTime attribute, if present
 * @param digestAlgorithm the signer's digest, e.g. "sha-256" (or its OID when unknown here)
 * @param warnings non-fatal findings, e.g. a From mismatch under {@link SenderCheck#WARN}
 * @param otherSigners the message's other signers, each verified like this one, in the
 *     message's order (RFC 5652 allows several; none for most mail)
 */
public record Verification(
    byte[] content,
    String signerSubject,
    List<String> signerEmails,
    Optional<Instant> signingTime,
    String digestAlgorithm,
    List<String> warnings,
    List<Signer> otherSigners) {

  /** Another verified signer of the same content. */
  public record Signer(String subject, List<String> emails, Optional<Instant> signingTime,
      String digestAlgorithm) {

    /** The first e-mail address, else the subject: how people are shown the signer. */
    public String name() {
      return emails.isEmpty() ? subject : emails.get(0);
    }
  }

  /** What it is, for logs: the content by size (the record's own toString printed "[B@…"). */
  @Override
  public String toString() {
    return "Verification[content=" + content.length + " bytes, signerSubject=" + signerSubject
        + ", signerEmails=" + signerEmails + ", signingTime=" + signingTime
        + ", digestAlgorithm=" + digestAlgorithm + ", warnings=" + warnings + ", otherSigners="
        + otherSigners + "]";
  }

  /** The first e-mail address of the signer, or "" when the certificate has none. */
  public String signerEmail() {
    return signerEmails.isEmpty() ? "" : signerEmails.get(0);
  }
}
