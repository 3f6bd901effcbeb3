package org.smimed.client.mime;

import java.security.spec.MGF1ParameterSpec;
import java.util.Map;
import java.util.Optional;
import javax.crypto.spec.OAEPParameterSpec;
import javax.crypto.spec.PSource;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.nist.NISTObjectIdentifiers;
import org.bouncycastle.asn1.oiw.OIWObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.RSAESOAEPparams;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;

/**
 * How the content-encryption key is encrypted to an RSA recipient.
 *
 * <p>Guarantee: OAEP constants use the same hash for the label digest and for MGF1, and the
 * empty label (RFC 3560, RFC 8017), which is what every receiving agent expects by default.
 */
public enum RsaKeyTransport {
  PKCS1_V1_5(null),
  OAEP_SHA1("SHA-1"),
  OAEP_SHA256("SHA-256"),
  OAEP_SHA384("SHA-384"),
  OAEP_SHA512("SHA-512");

  private static final Map<String, ASN1ObjectIdentifier> HASHES = Map.of(
      "SHA-1", OIWObjectIdentifiers.idSHA1, "SHA-256", NISTObjectIdentifiers.id_sha256,
      "SHA-384", NISTObjectIdentifiers.id_sha384, "SHA-512", NISTObjectIdentifiers.id_sha512);

  private final String hash;

  RsaKeyTransport(String hash) {
    this.hash = hash;
  }

  public boolean isOaep() {
    return hash != null;
  }

  /** The OAEP parameters; only for OAEP constants. */
  OAEPParameterSpec oaepParameters() {
    if (hash == null) {
      throw new IllegalStateException("PKCS#1 v1.5 has no OAEP parameters");
    }
    return new OAEPParameterSpec(hash, "MGF1", new MGF1ParameterSpec(hash),
        PSource.PSpecified.DEFAULT);
  }

  /**
   * The constant for OAEP parameters as a recipient announces them, if this client has it:
   * MGF1 over the same hash and the empty label (any other label is not one to send to all).
   */
  static Optional<RsaKeyTransport> of(RSAESOAEPparams params) {
    AlgorithmIdentifier mgf = params.getMaskGenAlgorithm();
    if (!mgf.getAlgorithm().equals(PKCSObjectIdentifiers.id_mgf1)
        || !params.getPSourceAlgorithm().equals(RSAESOAEPparams.DEFAULT_P_SOURCE_ALGORITHM)) {
      return Optional.empty();
    }
    ASN1ObjectIdentifier hash = params.getHashAlgorithm().getAlgorithm();
    AlgorithmIdentifier mgfHash = AlgorithmIdentifier.getInstance(mgf.getParameters());
    if (mgfHash == null || !mgfHash.getAlgorithm().equals(hash)) {
      return Optional.empty();
    }
    return java.util.Arrays.stream(values())
        .filter(t -> t.isOaep() && HASHES.get(t.hash).equals(hash)).findFirst();
  }

  /** OAEP with the named hash: sha1, sha256, sha384 or sha512 (any case). */
  public static RsaKeyTransport oaep(String hashName) {
    return switch (hashName.toLowerCase(java.util.Locale.ROOT)) {
      case "sha1" -> OAEP_SHA1;
      case "sha256" -> OAEP_SHA256;
      case "sha384" -> OAEP_SHA384;
      case "sha512" -> OAEP_SHA512;
      default -> throw new IllegalArgumentException("unknown OAEP hash " + hashName
          + " (expected sha1, sha256, sha384 or sha512)");
    };
  }
}
