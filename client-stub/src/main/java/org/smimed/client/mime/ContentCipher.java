package org.smimed.client.mime;

import java.util.Locale;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.cms.CMSAlgorithm;

/**
 * Content-encryption algorithms for S/MIME encryption.
 *
 * <p>Guarantee: GCM constants produce AuthEnvelopedData (RFC 5083/5084, smime-type
 * authEnveloped-data); CBC constants produce EnvelopedData (smime-type enveloped-data).
 */
public enum ContentCipher {
  AES256_GCM("aes256-gcm", CMSAlgorithm.AES256_GCM, true),
  AES128_GCM("aes128-gcm", CMSAlgorithm.AES128_GCM, true),
  AES256_CBC("aes256-cbc", CMSAlgorithm.AES256_CBC, false),
  AES128_CBC("aes128-cbc", CMSAlgorithm.AES128_CBC, false);

  private final String cliName;
  private final ASN1ObjectIdentifier oid;
  private final boolean authenticated;

  ContentCipher(String cliName, ASN1ObjectIdentifier oid, boolean authenticated) {
    this.cliName = cliName;
    this.oid = oid;
    this.authenticated = authenticated;
  }

  public String cliName() {
    return cliName;
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

  /** Accepts the CLI names ("aes256-gcm", ...) in any case. */
  public static ContentCipher parse(String name) {
    for (ContentCipher c : values()) {
      if (c.cliName.equals(name.toLowerCase(Locale.ROOT))) {
        return c;
      }
    }
    throw new IllegalArgumentException(
        "unknown cipher " + name + " (expected aes256-gcm, aes128-gcm, aes256-cbc or aes128-cbc)");
  }

  @Override
  public String toString() {
    return cliName;
  }
}
