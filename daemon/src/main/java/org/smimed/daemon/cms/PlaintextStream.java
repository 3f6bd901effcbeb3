package org.smimed.daemon.cms;

import java.io.IOException;
import java.io.InputStream;
import org.smimed.daemon.keys.KeyVersion;

/**
 * The plaintext of a message being decrypted, read in order as the ciphertext arrives.
 *
 * <p>Security guarantees: for AuthEnvelopedData the read that reports the end of the plaintext
 * is the one that verified the tag, so bytes read before it are unauthenticated until
 * {@link #read} returns -1 and {@link #finish()} returns; whoever releases plaintext must hold
 * back some of it until then. Every failure is one {@link DecryptionFailedException} unless a
 * structural limit was hit. {@link #toString()} never shows plaintext.
 */
public final class PlaintextStream {
    private final KeyVersion key;
    private final ContentCipher cipher;
    private final InputStream content;
    private final EnvelopeStream envelope;

    PlaintextStream(KeyVersion key, ContentCipher cipher, InputStream content,
                    EnvelopeStream envelope) {
        this.key = key;
        this.cipher = cipher;
        this.content = content;
        this.envelope = envelope;
    }

    /** The key version that decrypts this message. */
    public KeyVersion key() {
        return key;
    }

    /** The content-encryption algorithm. */
    public ContentCipher cipher() {
        return cipher;
    }

    /**
     * Reads up to {@code buffer.length} bytes, as many as available until the end; returns the
     * count, which is less than the buffer only at the end of the plaintext (then verified).
     */
    public int read(byte[] buffer) throws DecryptionFailedException, InvalidRequestException {
        try {
            return content.readNBytes(buffer, 0, buffer.length);
        } catch (IOException | RuntimeException e) {
            Exception f = EnvelopeStream.failureOf(envelope.guard(), "content", e);
            if (f instanceof InvalidRequestException limit) {
                throw limit;
            }
            throw (DecryptionFailedException) f;
        }
    }

    /** After the last read: checks that the rest of the message is well formed and complete. */
    public void finish() throws DecryptionFailedException, InvalidRequestException {
        envelope.finish();
    }

    @Override
    public String toString() {
        return "PlaintextStream[" + key.id() + ", " + cipher + "]";
    }
}
