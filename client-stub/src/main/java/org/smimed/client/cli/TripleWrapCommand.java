package org.smimed.client.cli;

import java.security.SecureRandom;
import java.util.concurrent.Callable;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.smimed.client.HashAlgorithm;
import org.smimed.client.SignatureScheme;
import org.smimed.client.mime.EncryptedMessageWriter;
import org.smimed.client.mime.MimeInput;
import org.smimed.client.mime.SignedMessageWriter;
import org.smimed.client.mime.TripleWrapper;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code smime triple-wrap}: sign, encrypt, sign (RFC 2634); the daemon signs twice. */
@Command(name = "triple-wrap", mixinStandardHelpOptions = true,
    description = {"Triple-wrap a MIME message (RFC 2634 section 1.1): sign it, encrypt the"
        + " signed entity to the recipients, and sign the encrypted entity.",
        "Both signatures are made by the daemon (only digests leave this machine); encryption"
            + " runs locally. Open the result with 'smime open'."})
final class TripleWrapCommand implements Callable<Integer> {
  private final CliIo io;

  @Mixin IoOptions files;
  @Mixin EncryptionOptions encryption;
  @Mixin ConnectionOptions connection;

  @Option(names = "--identity", required = true, paramLabel = "IDENTITY",
      description = "Identity that signs both layers, e.g. billing@example.com.")
  String identity;

  @Option(names = "--digest", paramLabel = "ALG",
      description = "sha256, sha384 or sha512 (default: the identity's key decides: sha384"
          + " for P-384, sha512 for P-521 and Ed25519, else sha256).",
      converter = SignCommand.HashConverter.class)
  HashAlgorithm digest;

  @Option(names = "--scheme", paramLabel = "SCHEME", description = SignCommand.SCHEME_HELP
      + " Both signatures use it.", converter = SignCommand.SchemeConverter.class)
  SignatureScheme scheme;

  TripleWrapCommand(CliIo io) {
    this.io = io;
  }

  @Override
  public Integer call() throws Exception {
    try (var c = connection.open(io)) {
      EncryptionOptions.Resolved to = encryption.resolve(c.client(), io);
      MimeInput input = MimeInput.checked(files.readInput(io));
      SecureRandom random = new SecureRandom();
      var signer = new SignedMessageWriter(
          DaemonOperations.signer(c.client(), identity, scheme),
          DaemonOperations.hashFor(c.client(), identity, digest),
          false, random);
      var wrapper = new TripleWrapper(signer,
          new EncryptedMessageWriter(new BouncyCastleProvider(), random));
      files.write(io, wrapper.wrap(input, to.certificates(), to.settings()));
    }
    return 0;
  }
}
