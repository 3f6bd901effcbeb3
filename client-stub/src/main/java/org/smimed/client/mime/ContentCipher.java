package org.smimed.client.mime;

import java.util.Locale;
import java.util.Optional;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.cms.CMSAlgorithm;

/**
 * Content-encryption algorithms for S/MIME encryption.
 *
 * <p>Guarantee: authenticated constants (GCM, ChaCha20-Poly1305) produce AuthEnvelopedData
 * (RFC 5083/5084/8103, smime-type authEnveloped-data); CBC constants produce EnvelopedData
 * (smime-type enveloped-data).
 */
public enum ContentCipher {
  AES256_GCM("aes256-gcm", "AES-256-GCM", CMSAlgorithm.AES256_GCM, true),
  AES128_GCM("aes128-gcm", "AES-128-GCM", CMSAlgorithm.AES128_GCM, true),
  AES256_CBC("aes256-cbc", "AES-256-CBC", CMSAlgorithm.AES256_CBC, false),
  AES128_CBC("aes128-cbc", "AES-128-CBC", CMSAlgorithm.AES128_CBC, false),
  CHACHA20_POLY1305("chacha20-poly1305", "ChaCha20-Poly1305", CMSAlgorithm.ChaCha20Poly1305,
      true);

  private final String cliName;
  private final String displayName;
  private final ASN1ObjectIdentifier oid;
  private final boolean authenticated;

  ContentCipher(String cliName, String displayName, ASN1ObjectIdentifier oid,
      boolean authenticated) {
    this.cliName = cliName;
    this.displayName = displayName;
    this.oid = oid;
    this.authenticated = authenticated;
  }

  public String cliName() {
    return cliName;
  }

  /** The name people read, e.g. "AES-256-GCM". */
  public String displayName() {
    return displayName;
  }

  public ASN1ObjectIdentifier oid() {
    return oid;
  }

  public boolean authenticated() {
    return authenticated;
  }

  /** The smime-type parameter of the resulting message. */
  public String smimeType() {
    return authenticated ? "authEnveloped-data" : "enveloped-data";
  }

  /** The cipher with this algorithm OID, if it is one of ours. */
  public static Optional<ContentCipher> fromOid(String dottedOid) {
    for (ContentCipher c : values()) {
      if (c.oid.getId().equals(dottedOid)) {
        return Optional.of(c);
      }
    }
    return Optional.empty();
  }

  /** Accepts the CLI names ("aes256-gcm", ...) in any case. */
  public static ContentCipher parse(String name) {
    for (ContentCipher c : values()) {
      if (c.cliName.equals(name.toLowerCase(Locale.ROOT))) {
        return c;
      }
    }
    throw new IllegalArgumentException("unknown cipher " + name
        + " (expected aes256-gcm, aes128-gcm, aes256-cbc, aes128-cbc or chacha20-poly1305)");
  }

  @Override
  public String toString() {
    return cliName;
  }
}
