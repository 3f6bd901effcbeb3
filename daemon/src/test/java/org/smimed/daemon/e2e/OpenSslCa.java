package org.smimed.daemon.e2e;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.smimed.daemon.testing.Processes;

/**
 * A throwaway CA made with the openssl command, unrelated to the deployment's demo CA: it
 * issues software-key S/MIME certificates for mail that openssl signs, and it is the "wrong"
 * CA for a client that should not trust the daemon.
 */
final class OpenSslCa {
    private final Path dir;

    private OpenSslCa(Path dir) {
        this.dir = dir;
    }

    /** An S/MIME signer whose PEM certificate and key are files. */
    record Signer(String email, Path certificate, Path key) {}

    static OpenSslCa create(Path dir) throws Exception {
        Files.createDirectories(dir);
        Processes.check(List.of("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=Throwaway CA",
                "-addext", "basicConstraints=critical,CA:TRUE",
                "-addext", "keyUsage=critical,keyCertSign,cRLSign"), dir);
        return new OpenSslCa(dir);
    }

    /** The CA certificate (PEM). */
    Path certificate() {
        return dir.resolve("ca.pem");
    }

    /** Issues an RSA e-mail signing certificate named {@code name}.pem / {@code name}.key. */
    Signer issueEmail(String name, String email) throws Exception {
        Files.writeString(dir.resolve(name + ".ext"), "subjectAltName=email:" + email
                + "\nkeyUsage=critical,digitalSignature,keyEncipherment"
                + "\nextendedKeyUsage=emailProtection\nsubjectKeyIdentifier=hash\n");
        Processes.check(List.of("openssl", "req", "-newkey", "rsa:2048", "-nodes",
                "-keyout", name + ".key", "-subj", "/CN=" + name, "-out", name + ".csr"), dir);
        Processes.check(List.of("openssl", "x509", "-req", "-in", name + ".csr",
                "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2",
                "-extfile", name + ".ext", "-out", name + ".pem"), dir);
        return new Signer(email, dir.resolve(name + ".pem"), dir.resolve(name + ".key"));
    }
}
