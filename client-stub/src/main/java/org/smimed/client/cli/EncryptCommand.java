package org.smimed.client.cli;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.concurrent.Callable;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.smimed.client.mime.Certificates;
import org.smimed.client.mime.ContentCipher;
import org.smimed.client.mime.EncryptedMessageWriter;
import org.smimed.client.mime.MimeInput;
import org.smimed.client.mime.RecipientIdType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code smime encrypt}: encrypts locally to recipients' certificates; no daemon involved. */
@Command(name = "encrypt", mixinStandardHelpOptions = true,
    description = {"Encrypt a MIME message to one or more recipient certificates (locally).",
        "Default: AES-256-GCM AuthEnvelopedData; CBC ciphers give EnvelopedData."})
final class EncryptCommand implements Callable<Integer> {
  private final CliIo io;

  @Mixin IoOptions files;

  @Option(names = "--recipient", required = true, paramLabel = "CERT.pem",
      description = "Recipient certificate (PEM or DER); repeat for several recipients.")
  List<Path> recipients;

  @Option(names = "--cipher", paramLabel = "CIPHER", defaultValue = "aes256-gcm",
      converter = CipherConverter.class,
      description = "aes256-gcm, aes128-gcm, aes256-cbc or aes128-cbc (default: ${DEFAULT-VALUE}).")
  ContentCipher cipher;

  @Option(names = "--recipient-id", paramLabel = "TYPE", defaultValue = "issuer-serial",
      converter = RecipientIdConverter.class,
      description = "How to name recipients: issuer-serial or ski (default: ${DEFAULT-VALUE}).")
  RecipientIdType recipientId;

  EncryptCommand(CliIo io) {
    this.io = io;
  }

  @Override
  public Integer call() throws Exception {
    var certs = Certificates.readAll(recipients);
    MimeInput input = MimeInput.parse(files.readInput(io));
    var writer = new EncryptedMessageWriter(new BouncyCastleProvider(), new SecureRandom());
    files.write(io, writer.encrypt(input, certs, cipher, recipientId));
    return 0;
  }

  /** Parses --cipher values. */
  static final class CipherConverter implements picocli.CommandLine.ITypeConverter<ContentCipher> {
    @Override
    public ContentCipher convert(String value) {
      return ContentCipher.parse(value);
    }
  }

  /** Parses --recipient-id values. */
  static final class RecipientIdConverter
      implements picocli.CommandLine.ITypeConverter<RecipientIdType> {
    @Override
    public RecipientIdType convert(String value) {
      return switch (value) {
        case "issuer-serial" -> RecipientIdType.ISSUER_SERIAL;
        case "ski" -> RecipientIdType.SUBJECT_KEY_ID;
        default -> throw new IllegalArgumentException("expected issuer-serial or ski");
      };
    }
  }
}
