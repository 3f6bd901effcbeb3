package org.smimed.client.mime;

/**
 * The private-key step of S/MIME signing: turns a digest (or content) into CMS SignedData.
 *
 * <p>Contract: returns a DER ContentInfo of type SignedData whose single signer signed
 * {@link SignPayload#digest()} as its messageDigest, detached unless
 * {@link SignPayload#encapsulate()}; and the micalg of the hash used. The smime CLI implements
 * it with the daemon; tests may implement it with a software key.
 */
@FunctionalInterface
public interface SignedDataSigner {

  /** The signer's output. */
  record Result(byte[] signedData, String micalg) {
    public Result {
      signedData = signedData.clone();
    }

    @Override
    public byte[] signedData() {
      return signedData.clone();
    }
  }

  Result sign(SignPayload payload) throws SmimeOperationException;
}
