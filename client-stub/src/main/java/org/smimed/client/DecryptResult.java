package org.smimed.client;

/**
 * Who decrypted a message and how.
 *
 * <p>Guarantee: returned only after the daemon ended the call with OK and every plaintext byte
 * has been written to the caller's stream.
 *
 * @param identity the identity whose key decrypted the message
 * @param keyVersion the key version that decrypted it
 * @param contentEncryptionOid dotted OID of the content-encryption algorithm
 * @param authenticated true for AuthEnvelopedData whose authentication tag was verified
 * @param plaintextLength number of plaintext bytes written
 */
public record DecryptResult(
    String identity,
    String keyVersion,
    String contentEncryptionOid,
    boolean authenticated,
    long plaintextLength) {

  /** The daemon's answer of who decrypted, with {@code length} plaintext bytes delivered. */
  static DecryptResult from(org.smimed.api.v1.DecryptResult d, long length) {
    return new DecryptResult(d.getIdentity(), d.getKeyVersion(),
        d.getContentEncryptionAlgorithm(), d.getAuthenticated(), length);
  }

  DecryptResult withPlaintextLength(long length) {
    return new DecryptResult(identity, keyVersion, contentEncryptionOid, authenticated, length);
  }
}
