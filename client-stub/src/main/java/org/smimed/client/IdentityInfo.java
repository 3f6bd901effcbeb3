package org.smimed.client;

import java.util.List;
import org.smimed.api.v1.KeyAlgorithm;

/**
 * One identity as the daemon's directory describes it.
 *
 * <p>Guarantee: the certificate chain is in the daemon's order (signer certificate first), each
 * entry DER; the lists and arrays are copies.
 *
 * @param identity the identity name
 * @param keyVersion the key version that currently signs; when {@code signs} is false, the
 *     newest version, for reference only
 * @param keyAlgorithm the key's algorithm, e.g. {@code KEY_ALGORITHM_RSA_2048}
 * @param certificateChain DER certificates, signer first
 * @param smimeCapabilities DER SMIMECapabilities, empty when the daemon sent none
 * @param encryptionCertificateChain DER certificates of the key new mail to the identity is
 *     encrypted to, its certificate first (the signing chain again for a key that does both,
 *     another for separate signing and encryption keys); empty when the identity has no such
 *     key, and then nothing may be encrypted to it
 * @param signs whether Sign as this identity succeeds now (false for an identity that only
 *     receives mail, or whose signing versions are retired, disabled or out of validity)
 * @param hash the hash Sign uses with this key when the request names none, so the one to
 *     compute a digest with (from a daemon older than the field, the same rule applied here:
 *     {@link HashAlgorithm#defaultFor})
 */
public record IdentityInfo(
    String identity,
    String keyVersion,
    KeyAlgorithm keyAlgorithm,
    List<byte[]> certificateChain,
    byte[] smimeCapabilities,
    List<byte[]> encryptionCertificateChain,
    boolean signs,
    HashAlgorithm hash) {
  public IdentityInfo {
    certificateChain = certificateChain.stream().map(byte[]::clone).toList();
    smimeCapabilities = smimeCapabilities.clone();
    encryptionCertificateChain = encryptionCertificateChain.stream().map(byte[]::clone).toList();
  }

  /** What it is, for logs: the arrays by size (the record's own toString printed "[B@…"). */
  @Override
  public String toString() {
    return "IdentityInfo[identity=" + identity + ", keyVersion=" + keyVersion + ", keyAlgorithm="
        + keyAlgorithm + ", certificateChain=" + certificateChain.size() + " certificate(s)"
        + ", smimeCapabilities=" + smimeCapabilities.length + " bytes"
        + ", encryptionCertificateChain=" + encryptionCertificateChain.size() + " certificate(s)"
        + ", signs=" + signs + ", hash=" + hash + "]";
  }

  @Override
  public List<byte[]> certificateChain() {
    return certificateChain.stream().map(byte[]::clone).toList();
  }

  @Override
  public byte[] smimeCapabilities() {
    return smimeCapabilities.clone();
  }

  @Override
  public List<byte[]> encryptionCertificateChain() {
    return encryptionCertificateChain.stream().map(byte[]::clone).toList();
  }
}
