package org.smimed.daemon.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What the openssl command makes for tests as someone outside the daemon: mail a sender
 * encrypted, and the certificate of a stranger whose key the token does not hold. Each call
 * works in a new directory under {@code dir}.
 */
public final class OpenSsl {
    private OpenSsl() {
    }

    /**
     * {@code plaintext} encrypted to the PEM certificate {@code recipient} with {@code cipher}
     * (an openssl option such as {@code -aes-256-gcm}), as DER with definite lengths.
     */
    public static byte[] encrypt(Path dir, String cipher, byte[] plaintext, Path recipient)
            throws Exception {
        Path work = Files.createTempDirectory(dir, "enc");
        Path in = Files.write(work.resolve("plain.bin"), plaintext);
        Path out = work.resolve("message.der");
        Processes.check(List.of("openssl", "cms", "-encrypt", "-binary", cipher,
                "-in", in.toString(), "-outform", "DER", "-out", out.toString(),
                recipient.toString()), work);
        return Files.readAllBytes(out);
    }

    /** A self-signed certificate (PEM) whose key is a file: one the daemon cannot decrypt for. */
    public static Path strangerCertificate(Path dir) throws Exception {
        Path work = Files.createTempDirectory(dir, "stranger");
        Processes.check(List.of("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                "-keyout", "key.pem", "-out", "cert.pem", "-days", "2", "-subj",
                "/CN=stranger@example.org"), work);
        return work.resolve("cert.pem");
    }
}
