package org.smimed.client.mime;

/**
 * One opened protection layer of a message, outermost first.
 *
 * <p>Guarantee: a {@link Signed} layer exists only when its signature verified (see
 * {@link SignedMessageVerifier}); an {@link Encrypted} layer only when it decrypted (and, for
 * AuthEnvelopedData, its tag checked); a {@link Compressed} layer only when it inflated
 * within the limit.
 */
public sealed interface Layer permits Layer.Signed, Layer.Encrypted, Layer.Compressed {

  /** 1 for the outermost layer. */
  int index();

  /** One line for people, e.g. "layer 1: signed by a@example.com (verified)". */
  String describe();

  /** A verified signature layer. */
  record Signed(int index, Verification verification) implements Layer {
    @Override
    public String describe() {
      String who = verification.signerEmail().isEmpty()
          ? verification.signerSubject() : verification.signerEmail();
      for (Verification.Signer other : verification.otherSigners()) {
        who += " and " + other.name();
      }
      return "layer " + index + ": signed by " + who + " (verified)";
    }
  }

  /** A decrypted layer. */
  record Encrypted(int index, DecryptionReport report) implements Layer {
    @Override
    public String describe() {
      // The key version is already the full name, identity/vN.
      String by = report.identity().isEmpty() ? ""
          : ", decrypted by " + (report.keyVersion().isEmpty() ? report.identity()
              : report.keyVersion());
      return "layer " + index + ": encrypted (" + report.contentAlgorithmName() + ")" + by;
    }
  }

  /** A decompressed layer (CMS CompressedData, ZLIB). */
  record Compressed(int index) implements Layer {
    @Override
    public String describe() {
      return "layer " + index + ": compressed (zlib)";
    }
  }
}
