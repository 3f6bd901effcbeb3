package org.smimed.daemon.cms;

import org.smimed.daemon.keys.KeyVersion;

/**
 * A decrypted message. For AuthEnvelopedData the tag has been verified before this exists.
 *
 * <p>Security guarantee: {@link #toString()} never shows the plaintext.
 */
public record DecryptedMessage(KeyVersion key, ContentCipher cipher, byte[] plaintext) {
    @Override
    public String toString() {
        return "DecryptedMessage[" + key.id() + ", " + cipher + ", " + plaintext.length
                + " bytes]";
    }
}
