package org.smimed.client.mime;

import java.io.IOException;
import java.io.OutputStream;
import org.smimed.client.ContentWriter;
import org.smimed.client.HashAlgorithm;

/**
 * The private-key step of S/MIME signing for content streamed to the signer (the daemon's
 * SignStream), so that entities of any size sign in bounded memory.
 *
 * <p>Contract: the signer hashes exactly the bytes {@code content} writes, with {@code hash};
 * detached, it returns a DER ContentInfo of type SignedData over them; encapsulated, it writes
 * a (BER) ContentInfo of type SignedData holding them to {@code encapsulated} as it is made
 * and returns an empty signedData. Either way it returns the micalg of the hash used.
 */
@FunctionalInterface
public interface ContentStreamSigner {

  SignedDataSigner.Result sign(HashAlgorithm hash, boolean encapsulate, ContentWriter content,
      OutputStream encapsulated) throws SmimeOperationException, IOException;
}
