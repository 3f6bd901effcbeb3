package org.smimed.client.mime;

import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.bouncycastle.asn1.cms.Attribute;
import org.bouncycastle.asn1.cms.CMSAttributes;
import org.bouncycastle.asn1.cms.Time;
import org.bouncycastle.cms.SignerId;
import org.bouncycastle.cms.SignerInformation;
import org.bouncycastle.util.encoders.Hex;
import org.smimed.client.HashAlgorithm;

/** What a verifier reads from one SignerInfo to report it: names, time, digest. */
final class SignerInfos {
  /** Digests accepted for verification beyond {@link HashAlgorithm}, by OID, named for display. */
  static final Map<String, String> OTHER_DIGESTS = Map.of(
      "1.2.840.113549.2.5", "md5", "1.3.14.3.2.26", "sha-1", "2.16.840.1.101.3.4.2.4", "sha-224");

  /** The signer's identifier for messages: issuer and serial, or key identifier. */
  static String identifier(SignerInformation signer) {
    SignerId sid = signer.getSID();
    if (sid.getSerialNumber() != null) {
      return "serial " + sid.getSerialNumber().toString(16) + " of " + sid.getIssuer();
    }
    return sid.getSubjectKeyIdentifier() != null
        ? "key id " + Hex.toHexString(sid.getSubjectKeyIdentifier())
        : "no identifier";
  }

  /** The signed signingTime attribute, if any. */
  static Optional<Instant> signingTime(SignerInformation signer) {
    if (signer.getSignedAttributes() == null) {
      return Optional.empty();
    }
    Attribute attr = signer.getSignedAttributes().get(CMSAttributes.signingTime);
    if (attr == null || attr.getAttrValues().size() == 0) {
      return Optional.empty();
    }
    return Optional.of(Time.getInstance(attr.getAttrValues().getObjectAt(0)).getDate().toInstant());
  }

  /** The signer's digest as people read it ("sha-256"), or its OID when unknown here. */
  static String digestName(SignerInformation signer) {
    HashAlgorithm h = HashAlgorithm.fromOid(signer.getDigestAlgOID());
    if (h != null) {
      return h.micalg();
    }
    String name = OTHER_DIGESTS.get(signer.getDigestAlgOID());
    return name != null ? name : signer.getDigestAlgOID();
  }

  /**
   * A warning for a signer whose digest no longer protects against forgery: MD5 and SHA-1
   * collisions are practical (RFC 8551 section 2.1 no longer lists them), so such a signature
   * still verifies but is reported.
   */
  static Optional<String> weakDigest(SignerInformation signer) {
    String name = OTHER_DIGESTS.get(signer.getDigestAlgOID());
    return "md5".equals(name) || "sha-1".equals(name)
        ? Optional.of("the signature uses " + name.toUpperCase(Locale.ROOT)
            + ", a digest open to collisions: it is weak evidence that the signer wrote this")
        : Optional.empty();
  }

  private SignerInfos() {
  }
}
