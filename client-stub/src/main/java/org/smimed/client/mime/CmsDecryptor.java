package org.smimed.client.mime;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * The private-key step of S/MIME decryption: CMS in, plaintext out, both streamed.
 *
 * <p>Contract: reads the whole CMS ContentInfo (EnvelopedData or AuthEnvelopedData) from
 * {@code cms}, writes the decrypted content to {@code plaintext}, closes neither; any failure
 * involving the ciphertext or a key is one {@link SmimeOperationException}; on success returns
 * who decrypted it. The smime CLI implements it with the daemon.
 */
@FunctionalInterface
public interface CmsDecryptor {
  DecryptionReport decrypt(InputStream cms, OutputStream plaintext)
      throws SmimeOperationException, IOException;
}
