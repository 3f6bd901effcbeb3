package org.smimed.daemon.cms;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Plaintext out of an AEAD's ciphertext-then-tag in, for {@link AesGcmDecryptor} and
 * {@link ChaChaPolyDecryptor}: the last {@code tagBytes} read are held back as the possible
 * tag, everything before them is decrypted as it arrives, and the stream ends only after
 * {@link #verify} has accepted the tag.
 *
 * <p>Guarantees: no plaintext is produced from the held-back bytes; end of stream is reported
 * only after a successful {@link #verify}; a message shorter than its tag, or any failure of
 * the subclass, is an {@link IOException} from the read that found it.
 */
abstract class TagHoldingStream extends InputStream {
    private static final int BUFFER = 64 * 1024;
    /**
     * Where the buffers start: most messages are a few KiB, and 64 KiB buffers per call were
     * most of a small Decrypt's allocation. They grow to {@link #BUFFER} once a read fills
     * them, so a large message is still read in 64 KiB steps.
     */
    private static final int FIRST_BUFFER = 8 * 1024;

    private final InputStream in;
    private final int tagBytes;
    private byte[] window;
    private byte[] plaintext;
    private boolean filled;
    private int windowLength;
    private int position;
    private int available;
    private boolean verified;

    TagHoldingStream(InputStream in, int tagBytes) {
        this.in = in;
        this.tagBytes = tagBytes;
        this.window = new byte[FIRST_BUFFER + tagBytes];
        this.plaintext = new byte[FIRST_BUFFER + tagBytes];
    }

    /**
     * Decrypts {@code length} ciphertext bytes from {@code ciphertext} into {@code plaintext}
     * (as long as the ciphertext at least) and authenticates them; returns the plaintext length.
     */
    abstract int decrypt(byte[] ciphertext, int length, byte[] plaintext) throws IOException;

    /** Checks {@code received}, the message's tag, after the whole ciphertext has been given. */
    abstract void verify(byte[] received) throws IOException;

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        while (position == available) {
            if (verified) {
                return -1;
            }
            fill();
        }
        int n = Math.min(len, available - position);
        System.arraycopy(plaintext, position, b, off, n);
        position += n;
        return n;
    }

    private void fill() throws IOException {
        if (filled && window.length < BUFFER + tagBytes) {
            // The plaintext is all read (fill runs only then); the window keeps the bytes held
            // back as a possible tag.
            window = Arrays.copyOf(window, BUFFER + tagBytes);
            plaintext = new byte[BUFFER + tagBytes];
        }
        int n = in.read(window, windowLength, window.length - windowLength);
        if (n < 0) {
            if (windowLength < tagBytes) {
                throw new IOException("content shorter than its authentication tag");
            }
            verify(Arrays.copyOf(window, tagBytes));
            verified = true;
            return;
        }
        windowLength += n;
        filled = windowLength == window.length;
        int ready = windowLength - tagBytes;
        if (ready <= 0) {
            return;
        }
        available = decrypt(window, ready, plaintext);
        position = 0;
        System.arraycopy(window, ready, window, 0, tagBytes);
        windowLength = tagBytes;
    }
}
