package org.smimed.client;

/**
 * The result of a signing call.
 *
 * <p>Guarantee: {@code signedData} is the DER ContentInfo (SignedData) exactly as the daemon
 * returned it; the arrays are copies, so callers cannot change the record.
 *
 * @param signedData DER-encoded CMS ContentInfo of type SignedData
 * @param certificate DER-encoded signer certificate
 * @param keyVersion the key version that signed
 * @param micalg the multipart/signed micalg value, e.g. "sha-256"
 */
public record SignResult(byte[] signedData, byte[] certificate, String keyVersion, String micalg) {
  public SignResult {
    signedData = signedData.clone();
    certificate = certificate.clone();
  }

  /** What it is, for logs: the arrays by size (the record's own toString printed "[B@…"). */
  @Override
  public String toString() {
    return "SignResult[signedData=" + signedData.length + " bytes, certificate="
        + certificate.length + " bytes, keyVersion=" + keyVersion + ", micalg=" + micalg + "]";
  }

  @Override
  public byte[] signedData() {
    return signedData.clone();
  }

  @Override
  public byte[] certificate() {
    return certificate.clone();
  }
}
