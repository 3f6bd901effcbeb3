package org.smimed.client;

import java.util.Locale;
import org.smimed.api.v1.KeyAlgorithm;

/**
 * The hash functions a client may use for S/MIME signatures.
 *
 * <p>Guarantee: each constant carries the JCA name, the RFC 8551 {@code micalg} token and the
 * digest length that belong together, so callers never pair them by hand.
 */
public enum HashAlgorithm {
  SHA256("SHA-256", "sha-256", "2.16.840.1.101.3.4.2.1", 32),
  SHA384("SHA-384", "sha-384", "2.16.840.1.101.3.4.2.2", 48),
  SHA512("SHA-512", "sha-512", "2.16.840.1.101.3.4.2.3", 64);

  private final String jcaName;
  private final String micalg;
  private final String oid;
  private final int length;

  HashAlgorithm(String jcaName, String micalg, String oid, int length) {
    this.jcaName = jcaName;
    this.micalg = micalg;
    this.oid = oid;
    this.length = length;
  }

  public String jcaName() {
    return jcaName;
  }

  /** The {@code micalg} parameter value of multipart/signed (RFC 8551 section 3.5.3.2). */
  public String micalg() {
    return micalg;
  }

  public String oid() {
    return oid;
  }

  public int length() {
    return length;
  }

  /**
   * The hash the daemon would choose for a key of {@code keyAlgorithm} (an
   * {@link IdentityInfo#keyAlgorithm()}): the hash follows the curve (SHA-384 for P-384,
   * SHA-512 for P-521), Ed25519 signs over SHA-512 (RFC 8419), anything else SHA-256.
   */
  public static HashAlgorithm defaultFor(KeyAlgorithm keyAlgorithm) {
    return switch (keyAlgorithm) {
      case KEY_ALGORITHM_EC_P384 -> SHA384;
      case KEY_ALGORITHM_EC_P521, KEY_ALGORITHM_ED25519 -> SHA512;
      default -> SHA256;
    };
  }

  /** Accepts "sha256", "sha-256" or "SHA256" (any case). */
  public static HashAlgorithm parse(String name) {
    String n = name.toLowerCase(Locale.ROOT).replace("-", "");
    for (HashAlgorithm a : values()) {
      if (a.name().toLowerCase(Locale.ROOT).equals(n)) {
        return a;
      }
    }
    throw new IllegalArgumentException("unknown digest algorithm: " + name);
  }

  /** Looks an algorithm up by OID, or returns null when it is not one of ours. */
  public static HashAlgorithm fromOid(String oid) {
    for (HashAlgorithm a : values()) {
      if (a.oid.equals(oid)) {
        return a;
      }
    }
    return null;
  }
}
