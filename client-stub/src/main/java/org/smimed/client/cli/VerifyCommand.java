package org.smimed.client.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.smimed.client.mime.SenderCheck;
import org.smimed.client.mime.Verification;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code smime verify}: verifies a signed message locally against trust anchors. */
@Command(name = "verify", mixinStandardHelpOptions = true,
    description = {"Verify a signed S/MIME message (multipart/signed or signed-data), or a"
        + " signed-data .p7m file saved from one (DER/BER, PEM or bare base64 CMS), locally.",
        "Checks every signature and every signer's chain to a --trust CA (PKIX; revocation"
            + " is not checked). Writes the signed content to --out when given."})
final class VerifyCommand implements Callable<Integer> {
  private final CliIo io;

  @Option(names = "--in", paramLabel = "FILE", description = IoOptions.IN_HELP)
  Path in;

  @Option(names = "--out", paramLabel = "FILE",
      description = "Write the signed content (the inner MIME entity) here; - for standard"
          + " output.")
  Path out;

  @Mixin TrustOptions trusted;

  @Option(names = "--content", paramLabel = "FILE",
      description = "The signed content of a detached signature given alone (a .p7s file as"
          + " --in), verified byte for byte as the file holds it, as openssl cms -verify"
          + " -content. The From check is skipped: a bare signature has no headers.")
  Path content;

  @Option(names = "--sender-check", paramLabel = "MODE", defaultValue = "strict",
      description = "From address vs signer certificate: strict (fail), warn or off "
          + "(default: ${DEFAULT-VALUE}).", converter = SenderCheckConverter.class)
  SenderCheck senderCheck;

  VerifyCommand(CliIo io) {
    this.io = io;
  }

  @Override
  public Integer call() throws Exception {
    IoOptions files = new IoOptions();
    files.in = in;
    files.out = out;
    var verifier = trusted.verifier(senderCheck, io.clock());
    Verification v = content == null ? verifier.verify(files.readInput(io))
        : verifier.verifyDetached(files.readInput(io), readContent());
    for (String w : v.warnings()) {
      io.err().println("smime: warning: " + w);
    }
    io.err().println("Verified: signer " + (v.signerEmail().isEmpty() ? v.signerSubject()
        : v.signerEmail() + " (" + v.signerSubject() + ")"));
    io.err().println("  digest " + v.digestAlgorithm() + ", signing time "
        + v.signingTime().map(Object::toString).orElse("not given"));
    for (Verification.Signer other : v.otherSigners()) {
      io.err().println("Verified: also signer " + (other.emails().isEmpty() ? other.subject()
          : other.name() + " (" + other.subject() + ")"));
      io.err().println("  digest " + other.digestAlgorithm() + ", signing time "
          + other.signingTime().map(Object::toString).orElse("not given"));
    }
    if (out != null) {
      files.write(io, v.content());
    }
    return 0;
  }

  private byte[] readContent() throws CliFailure {
    try {
      return Files.readAllBytes(content);
    } catch (IOException e) {
      throw new CliFailure("cannot read --content " + content + ": " + e.getMessage(), e);
    }
  }

  /** Parses --sender-check values. */
  static final class SenderCheckConverter
      implements picocli.CommandLine.ITypeConverter<SenderCheck> {
    @Override
    public SenderCheck convert(String value) {
      try {
        return SenderCheck.valueOf(value.toUpperCase(java.util.Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new picocli.CommandLine.TypeConversionException("'" + value
            + "' is not one of strict, warn, off");
      }
    }
  }
}
