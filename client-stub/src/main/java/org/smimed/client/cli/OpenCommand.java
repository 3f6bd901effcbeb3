package org.smimed.client.cli;

import java.util.concurrent.Callable;
import org.smimed.client.mime.Layer;
import org.smimed.client.mime.MessageOpener;
import org.smimed.client.mime.SenderCheck;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * {@code smime open}: unwraps any nesting of signed and encrypted layers, e.g. a
 * triple-wrapped message, verifying every signature locally and decrypting through the daemon.
 */
@Command(name = "open", mixinStandardHelpOptions = true,
    description = {"Open a signed, encrypted or triple-wrapped S/MIME message (or a .p7m file"
        + " saved from one: DER/BER, PEM or bare base64 CMS) layer by layer.",
        "Signatures are verified locally against --trust CAs (revocation is not checked);"
            + " encrypted layers are decrypted by the daemon, which is contacted only when"
            + " there is one. Prints one line per layer on stderr and writes the innermost"
            + " entity; an --out file is created only when every layer opened."})
final class OpenCommand implements Callable<Integer> {
  private final CliIo io;

  @Mixin IoOptions files;
  @Mixin ConnectionOptions connection;

  @Mixin TrustOptions trusted;

  @Option(names = "--identity", paramLabel = "IDENTITY",
      description = "Only try this identity's keys (default: the keys of every identity"
          + " your policy entry may decrypt for).")
  String identity;

  @Option(names = "--max-layers", paramLabel = "N", defaultValue = "8",
      description = "Refuse messages with more than N nested layers (default: ${DEFAULT-VALUE}).")
  int maxLayers;

  @Option(names = "--sender-check", paramLabel = "MODE", defaultValue = "strict",
      description = "From address vs signer certificate, for every signature: its own"
          + " layer's From and the message's outer From: strict (fail), warn or off"
          + " (default: ${DEFAULT-VALUE}).",
      converter = VerifyCommand.SenderCheckConverter.class)
  SenderCheck senderCheck;

  OpenCommand(CliIo io) {
    this.io = io;
  }

  @Override
  public Integer call() throws Exception {
    if (maxLayers < 1) {
      throw new ParameterException(connection.spec.commandLine(), "--max-layers must be >= 1");
    }
    var verifier = trusted.verifier(senderCheck, io.clock());
    byte[] message = files.readInput(io);
    try (var decryptor = new LazyDecryptor(connection, io, identity)) {
      byte[] inner = new MessageOpener(verifier, decryptor, maxLayers).open(message, this::report);
      files.write(io, inner);
    }
    return 0;
  }

  private void report(Layer layer) {
    if (layer instanceof Layer.Signed s) {
      for (String w : s.verification().warnings()) {
        io.err().println("smime: warning: layer " + layer.index() + ": " + w);
      }
    }
    io.err().println(layer.describe());
  }
}
