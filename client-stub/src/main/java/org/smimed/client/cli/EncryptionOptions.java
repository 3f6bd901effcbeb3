package org.smimed.client.cli;

import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAPublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.smimed.client.SmimeClient;
import org.smimed.client.mime.CipherSelection;
import org.smimed.client.mime.ContentCipher;
import org.smimed.client.mime.EncryptionSettings;
import org.smimed.client.mime.RecipientIdType;
import org.smimed.client.mime.RsaKeyTransport;
import org.smimed.client.mime.SmimeOperationException;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * Recipients and algorithms of an encryption: shared by {@code encrypt} and {@code triple-wrap}.
 *
 * <p>Guarantees: an explicit --cipher always wins; otherwise the cipher comes from the
 * recipients' SMIMECapabilities where known ({@link CipherSelection}), else AES-256-GCM, with a
 * warning when the known capabilities share no supported cipher; RSA recipients get OAEP when
 * they all announce it ({@link CipherSelection#keyTransport}). --oaep-hash without
 * --rsa-padding oaep is a usage error rather than silently ignored.
 */
final class EncryptionOptions {
  @Spec(Spec.Target.MIXEE)
  CommandSpec spec;

  @Option(names = "--recipient", paramLabel = "CERT.pem",
      description = "Recipient certificate (PEM or DER); repeat for several recipients.")
  List<Path> recipients = new ArrayList<>();

  @Option(names = "--recipient-identity", paramLabel = "IDENTITY",
      description = "Recipient whose certificate and SMIMECapabilities come from the daemon's"
          + " directory; repeat for several.")
  List<String> recipientIdentities = new ArrayList<>();

  @Option(names = "--capabilities-from-daemon",
      description = "Look up the SMIMECapabilities of each --recipient certificate in the"
          + " daemon's directory, by the certificate's e-mail address.")
  boolean capabilitiesFromDaemon;

  @Option(names = "--cipher", paramLabel = "CIPHER", converter = CipherConverter.class,
      description = "aes256-gcm, aes128-gcm, chacha20-poly1305, aes256-cbc or aes128-cbc"
          + " (default: the recipients' preferred one when their capabilities are known,"
          + " else aes256-gcm).")
  ContentCipher cipher;

  @Option(names = "--rsa-padding", paramLabel = "PADDING",
      description = "Key transport to RSA recipients: pkcs1 or oaep (default: oaep when every"
          + " RSA recipient's SMIMECapabilities announce it, with the hash they name, as the"
          + " daemon's RSA identities do; else pkcs1).")
  String rsaPadding;

  @Option(names = "--oaep-hash", paramLabel = "HASH",
      description = "OAEP and MGF1 hash with --rsa-padding oaep: sha1, sha256, sha384 or sha512"
          + " (default: sha256).")
  String oaepHash;

  @Option(names = "--recipient-id", paramLabel = "TYPE", defaultValue = "issuer-serial",
      converter = RecipientIdConverter.class,
      description = "How to name recipients: issuer-serial or ski (default: ${DEFAULT-VALUE}).")
  RecipientIdType recipientId;

  /** True when recipients or their capabilities must come from the daemon. */
  boolean needsDaemon() {
    return !recipientIdentities.isEmpty() || capabilitiesFromDaemon;
  }

  /** Checks the options, resolves the recipients and chooses the settings. */
  Resolved resolve(SmimeClient clientOrNull, CliIo io) throws SmimeOperationException {
    if (recipients.isEmpty() && recipientIdentities.isEmpty()) {
      throw usage("at least one --recipient or --recipient-identity is required");
    }
    Optional<RsaKeyTransport> asked = rsaKeyTransport();
    var resolved = Recipients.resolve(recipients, recipientIdentities, capabilitiesFromDaemon,
        clientOrNull);
    RsaKeyTransport rsa = asked.isPresent() ? asked.get()
        : CipherSelection.keyTransport(resolved.stream()
            .filter(r -> r.certificate().getPublicKey() instanceof RSAPublicKey)
            .map(Recipients.Recipient::keyCapabilities).toList());
    ContentCipher chosen = cipher;
    if (chosen == null) {
      var choice = CipherSelection.choose(resolved.stream()
          .map(Recipients.Recipient::capabilities).toList());
      if (choice.basis() == CipherSelection.Basis.NO_COMMON_ALGORITHM) {
        io.err().println("smime: warning: the recipients' SMIMECapabilities share no cipher"
            + " this client supports; using " + choice.cipher());
      }
      chosen = choice.cipher();
    }
    return new Resolved(resolved.stream().map(Recipients.Recipient::certificate).toList(),
        new EncryptionSettings(chosen, recipientId, rsa));
  }

  /** The recipients' certificates and how to encrypt to them. */
  record Resolved(List<X509Certificate> certificates, EncryptionSettings settings) {}

  /** What --rsa-padding asks for; empty: as the recipients announce. */
  private Optional<RsaKeyTransport> rsaKeyTransport() {
    String padding = rsaPadding == null ? "" : rsaPadding.toLowerCase(java.util.Locale.ROOT);
    switch (padding) {
      case "", "pkcs1":
        if (oaepHash != null) {
          throw usage("--oaep-hash needs --rsa-padding oaep");
        }
        return padding.isEmpty() ? Optional.empty() : Optional.of(RsaKeyTransport.PKCS1_V1_5);
      case "oaep":
        try {
          return Optional.of(RsaKeyTransport.oaep(oaepHash == null ? "sha256" : oaepHash));
        } catch (IllegalArgumentException e) {
          throw usage(e.getMessage());
        }
      default:
        throw usage("unknown --rsa-padding " + rsaPadding + " (expected pkcs1 or oaep)");
    }
  }

  private ParameterException usage(String message) {
    return new ParameterException(spec.commandLine(), message);
  }

  /** Parses --cipher values. */
  static final class CipherConverter implements ITypeConverter<ContentCipher> {
    @Override
    public ContentCipher convert(String value) {
      try {
        return ContentCipher.parse(value);
      } catch (IllegalArgumentException e) {
        throw new picocli.CommandLine.TypeConversionException(e.getMessage());
      }
    }
  }

  /** Parses --recipient-id values. */
  static final class RecipientIdConverter implements ITypeConverter<RecipientIdType> {
    @Override
    public RecipientIdType convert(String value) {
      return switch (value) {
        case "issuer-serial" -> RecipientIdType.ISSUER_SERIAL;
        case "ski" -> RecipientIdType.SUBJECT_KEY_ID;
        default -> throw new picocli.CommandLine.TypeConversionException("'" + value
            + "' is not one of issuer-serial, ski");
      };
    }
  }
}
