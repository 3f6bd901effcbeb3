package org.smimed.client.cli;

import java.io.InputStream;
import java.util.concurrent.Callable;
import org.smimed.client.mime.DecryptionReport;
import org.smimed.client.mime.EncryptedMessageReader;
import org.smimed.client.mime.TruncatedCmsException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code smime decrypt}: streams the CMS of an encrypted message through the daemon. */
@Command(name = "decrypt", mixinStandardHelpOptions = true,
    description = {"Decrypt an application/pkcs7-mime message, or a .p7m file saved from one"
        + " (DER/BER, PEM or bare base64 CMS), with a key held by the daemon.",
        "Writes the decrypted MIME entity; an --out file is created only on success."})
final class DecryptCommand implements Callable<Integer> {
  private final CliIo io;

  @Mixin IoOptions files;
  @Mixin ConnectionOptions connection;

  @Option(names = "--identity", paramLabel = "IDENTITY",
      description = "Only try this identity's keys (default: the keys of every identity"
          + " your policy entry may decrypt for).")
  String identity;

  DecryptCommand(CliIo io) {
    this.io = io;
  }

  @Override
  public Integer call() throws Exception {
    // Connection options first: a usage error (exit 2) comes before anything about the input.
    try (var c = connection.open(io);
        InputStream in = files.openInput(io);
        var out = files.openOutput(io)) {
      DecryptionReport report = EncryptedMessageReader.decrypt(in,
          DaemonOperations.decryptor(c.client(), identity), out);
      out.commit();
      if (report.legacy()) {
        // Found by an interop trial: archived 3DES mail decrypted without a word.
        io.err().println("smime: warning: the message was encrypted with "
            + report.contentAlgorithmName() + ", which offers no integrity and only 112-bit"
            + " security; the daemon decrypts it only because its configuration allows it");
      }
    } catch (TruncatedCmsException e) {
      // The file's fault, said locally and by name: the daemon would only say "decryption
      // failed" (a message of up to 64 KiB is not sent at all, a longer one is cancelled).
      throw new CliFailure(files.inputName() + " is truncated: expected " + e.expected()
          + " bytes, got " + e.actual(), e);
    }
    return 0;
  }
}
