package org.smimed.client.mime;

import java.util.List;
import java.util.Optional;

/**
 * What to do when a From address is not among the signer certificate's e-mail addresses
 * (RFC 8550 section 3).
 *
 * <p>Guarantee: {@link #STRICT} fails verification on a mismatch, {@link #WARN} reports it,
 * {@link #OFF} skips the comparison. Every mailbox of a From with several, and of every From
 * field, must be the signer's; a From that cannot be read as an address, or signed by a
 * certificate without e-mail address, is a mismatch (it cannot be checked). Sender stands in
 * only for a From that is missing or has no address, as Thunderbird takes it: a Sender that is
 * the signer must not make a From naming someone else pass (found by a review: mail From a
 * bank's CEO, Sender the signer, verified). A message without From or Sender (a saved .p7m,
 * an entity without headers) has nothing to compare and is not a mismatch.
 */
public enum SenderCheck {
  STRICT,
  WARN,
  OFF;

  /**
   * The warnings the From and Sender fields give against the signers' {@code emails}: none,
   * or one (WARN); STRICT throws it instead.
   */
  List<String> check(Optional<String> fromField, Optional<String> senderField,
      List<String> emails) throws SmimeOperationException {
    if (this == OFF || fromField.isEmpty() && senderField.isEmpty()) {
      return List.of();
    }
    if (fromField.isEmpty()) {
      // No From, but a Sender: mail programs show the Sender as the author then, so it must
      // be the signer (found by a review: it went unchecked).
      return mismatch(mismatch("Sender", senderField.get(), emails));
    }
    Optional<String> fromMismatch = mismatch("From", fromField.get(), emails);
    boolean fromHasAddress = !SignerCertificates.fromAddresses(fromField.get()).isEmpty();
    if (fromMismatch.isPresent() && !fromHasAddress && senderField.isPresent()
        && mismatch("Sender", senderField.get(), emails).isEmpty()) {
      return List.of();
    }
    return mismatch(fromMismatch);
  }

  /** Why the {@code name} field's mailboxes are not all the signer's, if they are not. */
  private static Optional<String> mismatch(String name, String field, List<String> emails) {
    List<String> mailboxes = SignerCertificates.fromAddresses(field);
    if (mailboxes.isEmpty()) {
      // A field no address parser accepts is still shown by mail programs: it cannot be
      // compared, so it is not taken as the signer's (the review found it passed).
      return Optional.of(name + " '" + field.strip() + "' cannot be read as an address");
    }
    // Every author a reader sees must be the signer: "From: evil@x, alice@y" signed by alice
    // would otherwise pass as evil's mail. A certificate without an address cannot vouch for
    // any From (found by an outside trial: both passed strict mode silently).
    List<String> unmatched = mailboxes.stream()
        .filter(a -> !SignerCertificates.containsAddress(emails, a)).toList();
    if (unmatched.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(emails.isEmpty()
        ? name + " " + String.join(", ", mailboxes) + " cannot be checked: the signer's"
            + " certificate names no e-mail address"
        : name + " " + String.join(", ", unmatched) + " is not the signer's address "
            + String.join(", ", emails));
  }

  private List<String> mismatch(Optional<String> reason) throws SmimeOperationException {
    if (reason.isEmpty()) {
      return List.of();
    }
    if (this == STRICT) {
      throw new SmimeOperationException(reason.get());
    }
    return List.of(reason.get());
  }
}
