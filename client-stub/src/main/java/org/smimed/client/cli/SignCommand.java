package org.smimed.client.cli;

import java.io.BufferedOutputStream;
import java.security.SecureRandom;
import java.util.List;
import java.util.concurrent.Callable;
import org.smimed.client.HashAlgorithm;
import org.smimed.client.SignatureScheme;
import org.smimed.client.mime.MimeFile;
import org.smimed.client.mime.SignedMessageWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code smime sign}: signs a message with the daemon; only a digest is sent by default. */
@Command(name = "sign", mixinStandardHelpOptions = true,
    description = {"Sign a MIME message with a key held by the daemon.",
        "Output is multipart/signed (default) or application/pkcs7-mime signed-data "
            + "(--encapsulate). By default only the digest of the message leaves this machine."
            + " The message is streamed in every mode, so any size signs in constant memory;"
            + " --encapsulate and --send-content stream the content to the daemon, which"
            + " hashes it as it arrives (at most its limits.maxMessageBytes), and the"
            + " encapsulated signature is written as it comes back. With --out, the file"
            + " appears only on success."})
final class SignCommand implements Callable<Integer> {
  private final CliIo io;

  @Mixin IoOptions files;
  @Mixin ConnectionOptions connection;

  @Option(names = "--identity", required = true, paramLabel = "IDENTITY",
      description = "Identity to sign as, e.g. billing@example.com.")
  String identity;

  @Option(names = "--encapsulate",
      description = "Put the content inside the signature (application/pkcs7-mime);"
          + " the content is streamed to the daemon.")
  boolean encapsulate;

  @Option(names = "--send-content",
      description = "Stream the content to the daemon instead of sending only its digest.")
  boolean sendContent;

  @Option(names = "--digest", paramLabel = "ALG",
      description = "sha256, sha384 or sha512 (default: the identity's key decides: sha384"
          + " for P-384, sha512 for P-521 and Ed25519, else sha256).",
      converter = HashConverter.class)
  HashAlgorithm digest;

  @Option(names = "--scheme", paramLabel = "SCHEME", description = SCHEME_HELP,
      converter = SchemeConverter.class)
  SignatureScheme scheme;

  static final String SCHEME_HELP = "RSA signature scheme: pkcs1 (RSASSA-PKCS1-v1_5) or pss"
      + " (RSASSA-PSS, RFC 4056: MGF1 with the digest's hash, salt as long as the digest)"
      + " (default: the key decides: pkcs1 for RSA; EC and Ed25519 keys have one scheme).";

  SignCommand(CliIo io) {
    this.io = io;
  }

  /**
   * Streamed in every mode, in constant memory: by default the entity is hashed as it is
   * written out and only its digest goes to the daemon; with --send-content or --encapsulate
   * it streams to the daemon (SignStream), which hashes it as it arrives.
   */
  @Override
  public Integer call() throws Exception {
    // Connection options first: a usage error (exit 2) comes before anything about the input.
    try (var c = connection.open(io); var source = files.inputFile(io)) {
      MimeFile input = MimeFile.open(source.path());
      if (!encapsulate && input.hasEightBitDataLeft()) {
        // Parts labelled 8bit are re-encoded (MimeFile.writeSevenBitEntity); what is left is
        // signed as it is, and a relay that converts it breaks the signature.
        io.err().println("smime: warning: the entity keeps 8-bit data, lines over 998 octets"
            + " or bare line ends that signing does not re-encode (in a message/* part, a part"
            + " labelled 7bit or binary, or a header field); a mail relay that re-encodes it"
            + " will break the detached signature (RFC 8551 section 3.1.3): give those parts a"
            + " quoted-printable or base64 transfer encoding, or use --encapsulate");
      }
      // The identity first: an unknown one is the error to report, without the sender warning
      // before it (a new-user trial).
      HashAlgorithm hash = DaemonOperations.hashFor(c.client(), identity, digest);
      warnOfAnotherSender(input);
      sign(c, input, hash);
    }
    return 0;
  }

  /**
   * Signing is the daemon's business, not whose mail it is; but a recipient that checks the
   * sender (RFC 8550 3: the signer's address must be From's; smime verify by default, most
   * mail programs) rejects mail whose From another identity signed: said before it is sent.
   */
  private void warnOfAnotherSender(MimeFile input) {
    List<String> others = input.headers().fromAddresses().stream()
        .filter(a -> !a.equalsIgnoreCase(identity.strip())).toList();
    if (!others.isEmpty()) {
      io.err().println("smime: warning: From " + String.join(", ", others) + " is not the"
          + " signing identity " + identity + "; a recipient that checks the sender (smime"
          + " verify, most mail programs) will reject the signature");
    }
  }

  private void sign(ConnectionOptions.Connection c, MimeFile input, HashAlgorithm hash)
      throws Exception {
    try (var out = files.openOutput(io)) {
      var writer = new SignedMessageWriter(
          DaemonOperations.signer(c.client(), identity, scheme),
          hash, false, new SecureRandom());
      var streaming = DaemonOperations.streamSigner(c.client(), identity, scheme);
      var buffered = new BufferedOutputStream(out, 64 * 1024);
      if (encapsulate) {
        writer.encapsulated(input, buffered, streaming);
      } else if (sendContent) {
        writer.detached(input, buffered, streaming);
      } else {
        writer.detached(input, buffered);
      }
      buffered.flush();
      out.commit();
    }
  }

  /** Parses --scheme values; only the RSA schemes are a choice. */
  static final class SchemeConverter
      implements picocli.CommandLine.ITypeConverter<SignatureScheme> {
    @Override
    public SignatureScheme convert(String value) {
      return switch (value.toLowerCase(java.util.Locale.ROOT)) {
        case "pkcs1" -> SignatureScheme.RSA_PKCS1;
        case "pss" -> SignatureScheme.RSA_PSS;
        default -> throw new picocli.CommandLine.TypeConversionException("'" + value
            + "' is not one of pkcs1, pss");
      };
    }
  }

  /** Parses --digest values. */
  static final class HashConverter implements picocli.CommandLine.ITypeConverter<HashAlgorithm> {
    @Override
    public HashAlgorithm convert(String value) {
      try {
        return HashAlgorithm.parse(value);
      } catch (IllegalArgumentException e) {
        throw new picocli.CommandLine.TypeConversionException("'" + value
            + "' is not one of sha256, sha384, sha512");
      }
    }
  }
}
