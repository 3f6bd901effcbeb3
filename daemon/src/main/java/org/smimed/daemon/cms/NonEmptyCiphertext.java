package org.smimed.daemon.cms;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.cms.RecipientOperator;
import org.bouncycastle.operator.InputDecryptor;

/**
 * Refuses CBC content with no ciphertext at all. Padded CBC never encrypts to nothing (an empty
 * plaintext is one block of padding), but the JDK's cipher "decrypts" zero bytes to an empty
 * plaintext without complaint, so a message whose encrypted content was emptied on the way
 * opened as a clean, empty body (found by a fuzz trial; OpenSSL says "wrong final block
 * length"). Shorter-than-a-block and ragged ciphertexts the cipher itself refuses.
 */
final class NonEmptyCiphertext extends FilterInputStream {
    private boolean seen;

    private NonEmptyCiphertext(InputStream in) {
        super(in);
    }

    /** {@code operator} (decrypting {@code content}), reading its ciphertext through this check. */
    static RecipientOperator of(RecipientOperator operator, AlgorithmIdentifier content) {
        return new RecipientOperator(new InputDecryptor() {
            @Override
            public AlgorithmIdentifier getAlgorithmIdentifier() {
                return content;
            }

            @Override
            public InputStream getInputStream(InputStream ciphertext) {
                return operator.getInputStream(new NonEmptyCiphertext(ciphertext));
            }
        });
    }

    @Override
    public int read() throws IOException {
        int b = super.read();
        counted(b < 0 ? -1 : 1);
        return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        return counted(super.read(b, off, len));
    }

    private int counted(int n) throws IOException {
        if (n > 0) {
            seen = true;
        } else if (n < 0 && !seen) {
            throw new IOException("the encrypted content is empty: CBC ciphertext is at least"
                    + " one block");
        }
        return n;
    }
}
