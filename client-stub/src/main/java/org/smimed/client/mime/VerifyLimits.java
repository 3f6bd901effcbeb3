package org.smimed.client.mime;

/**
 * What a signed message may cost to verify: a hostile message cannot make the client build
 * thousands of signer checks, certificate paths or a deeply nested structure.
 *
 * @param maxSigners most SignerInfos in one SignedData
 * @param maxCertificates most certificates in one SignedData
 * @param maxAsn1Depth deepest ASN.1 nesting of the CMS
 * @param maxIndefiniteLengths most BER indefinite-length encodings in the CMS
 */
public record VerifyLimits(int maxSigners, int maxCertificates, int maxAsn1Depth,
    int maxIndefiniteLengths) {
  /** 16 signers, 64 certificates, depth 40, 256 indefinite lengths. */
  public static final VerifyLimits DEFAULTS = new VerifyLimits(16, 64, 40, 256);
}
