package org.smimed.client.cli;

import java.io.BufferedOutputStream;
import java.security.SecureRandom;
import java.util.concurrent.Callable;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.smimed.client.mime.EncryptedMessageWriter;
import org.smimed.client.mime.MimeFile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code smime encrypt}: encrypts locally to recipients' certificates. The daemon is asked
 * only for recipients' certificates and capabilities (--recipient-identity,
 * --capabilities-from-daemon); the message never goes there.
 */
@Command(name = "encrypt", mixinStandardHelpOptions = true,
    description = {"Encrypt a MIME message to one or more recipients (locally).",
        "Authenticated ciphers (GCM, ChaCha20-Poly1305) give AuthEnvelopedData, CBC ciphers"
            + " EnvelopedData. RSA recipients get PKCS#1 v1.5 or OAEP key transport, EC"
            + " recipients ECDH (SHA-256 KDF, AES-256 wrap), X25519 recipients X25519"
            + " (RFC 8418: HKDF-SHA256, AES-256 wrap)."})
final class EncryptCommand implements Callable<Integer> {
  private final CliIo io;

  @Mixin IoOptions files;
  @Mixin EncryptionOptions encryption;
  @Mixin ConnectionOptions connection;

  EncryptCommand(CliIo io) {
    this.io = io;
  }

  @Override
  public Integer call() throws Exception {
    EncryptionOptions.Resolved to;
    if (encryption.needsDaemon()) {
      try (var c = connection.open(io)) {
        to = encryption.resolve(c.client(), io);
      }
    } else {
      to = encryption.resolve(null, io);
    }
    // Streamed: the entity is encrypted as it is read, in constant memory.
    var writer = new EncryptedMessageWriter(new BouncyCastleProvider(), new SecureRandom());
    try (var source = files.inputFile(io); var out = files.openOutput(io)) {
      var buffered = new BufferedOutputStream(out, 64 * 1024);
      writer.encrypt(MimeFile.open(source.path()), to.certificates(), to.settings(), buffered);
      buffered.flush();
      out.commit();
    }
    return 0;
  }
}
