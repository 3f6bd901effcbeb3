package org.smimed.client;

import java.util.Objects;

/**
 * What to sign, as whom and how.
 *
 * <p>Guarantee: exactly one of {@code content} and {@code digest} is set, a digest has the length
 * of its algorithm, and an encapsulated request carries content (a digest cannot be
 * encapsulated). Invalid combinations fail in the constructor, before any network call.
 *
 * @param identity the identity to sign as, e.g. "billing@example.com"
 * @param content the bytes to sign, or null when {@code digest} is given
 * @param digest a client-computed digest of the bytes to sign, or null when {@code content} is
 *     given
 * @param encapsulate true to put the content inside the SignedData
 * @param signatureScheme preferred signature scheme
 * @param hashAlgorithm digest algorithm when signing content, or null for the key's default;
 *     for a digest payload null or the digest's own algorithm (another is refused, as the
 *     daemon refuses it)
 */
public record SigningRequest(
    String identity,
    byte[] content,
    Digest digest,
    boolean encapsulate,
    SignatureScheme signatureScheme,
    HashAlgorithm hashAlgorithm) {

  /** A digest the client computed over the exact bytes to be signed. */
  public record Digest(HashAlgorithm algorithm, byte[] value) {
    public Digest {
      Objects.requireNonNull(algorithm, "algorithm");
      Objects.requireNonNull(value, "value");
      if (value.length != algorithm.length()) {
        throw new IllegalArgumentException(
            "a " + algorithm.jcaName() + " digest has " + algorithm.length() + " bytes, not "
                + value.length);
      }
      value = value.clone();
    }

    @Override
    public byte[] value() {
      return value.clone();
    }
  }

  public SigningRequest {
    if (identity == null || identity.isBlank()) {
      throw new IllegalArgumentException("identity is required");
    }
    if ((content == null) == (digest == null)) {
      throw new IllegalArgumentException("exactly one of content and digest is required");
    }
    if (encapsulate && content == null) {
      throw new IllegalArgumentException("encapsulated signing needs the content, not a digest");
    }
    if (digest != null && hashAlgorithm != null && hashAlgorithm != digest.algorithm()) {
      throw new IllegalArgumentException("hashAlgorithm " + hashAlgorithm
          + " disagrees with the digest's algorithm " + digest.algorithm()
          + ": leave it null for a digest, or give the same");
    }
    content = content == null ? null : content.clone();
    signatureScheme = signatureScheme == null ? SignatureScheme.KEY_DEFAULT : signatureScheme;
  }

  /** A detached signature over a digest the caller computed. */
  public static SigningRequest ofDigest(String identity, HashAlgorithm algorithm, byte[] value) {
    return new SigningRequest(identity, null, new Digest(algorithm, value), false, null, null);
  }

  /** A signature over content sent to the daemon, detached or encapsulated. */
  public static SigningRequest ofContent(
      String identity, byte[] content, boolean encapsulate, HashAlgorithm hashAlgorithm) {
    return new SigningRequest(identity, content, null, encapsulate, null, hashAlgorithm);
  }

  /** Returns a copy that asks for the given signature scheme. */
  public SigningRequest withSignatureScheme(SignatureScheme scheme) {
    return new SigningRequest(identity, content, digest, encapsulate, scheme, hashAlgorithm);
  }

  @Override
  public byte[] content() {
    return content == null ? null : content.clone();
  }

  /** How many bytes of content, without copying them; 0 for a digest. */
  int contentLength() {
    return content == null ? 0 : content.length;
  }

  @Override
  public String toString() {
    // Content may be confidential: never print it.
    return "SigningRequest[identity=" + identity + ", payload="
        + (content != null ? content.length + " content bytes" : digest.algorithm() + " digest")
        + ", encapsulate=" + encapsulate + ", scheme=" + signatureScheme + "]";
  }
}
