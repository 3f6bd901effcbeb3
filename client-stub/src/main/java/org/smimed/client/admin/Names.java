package org.smimed.client.admin;

import java.util.Locale;
import org.smimed.api.v1.KeyGenAlgorithm;
import org.smimed.api.v1.KeyUsageKind;
import org.smimed.api.v1.KeyProtection;
import org.smimed.api.v1.KeyVersionInfo;

/** The CLI's words for the API's enums (rsa2048, p256, sign, both, ...). */
final class Names {
  private Names() {}

  /** picocli converter for --alg. */
  static final class Algorithm implements picocli.CommandLine.ITypeConverter<KeyGenAlgorithm> {
    @Override
    public KeyGenAlgorithm convert(String value) {
      return switch (value.toLowerCase(Locale.ROOT)) {
        case "rsa2048" -> KeyGenAlgorithm.KEY_GEN_ALGORITHM_RSA_2048;
        case "rsa3072" -> KeyGenAlgorithm.KEY_GEN_ALGORITHM_RSA_3072;
        case "rsa4096" -> KeyGenAlgorithm.KEY_GEN_ALGORITHM_RSA_4096;
        case "p256" -> KeyGenAlgorithm.KEY_GEN_ALGORITHM_P256;
        case "p384" -> KeyGenAlgorithm.KEY_GEN_ALGORITHM_P384;
        case "p521" -> KeyGenAlgorithm.KEY_GEN_ALGORITHM_P521;
        case "ed25519" -> KeyGenAlgorithm.KEY_GEN_ALGORITHM_ED25519;
        case "x25519" -> KeyGenAlgorithm.KEY_GEN_ALGORITHM_X25519;
        default -> throw new picocli.CommandLine.TypeConversionException("'" + value
            + "' is not one of rsa2048, rsa3072, rsa4096, p256, p384, p521, ed25519, x25519");
      };
    }
  }

  /**
   * picocli converter for a VERSION argument: {@code identity/vN}. An identity alone (the
   * commonest slip) is a usage error naming the form, not a NOT_FOUND from the daemon.
   */
  static final class Version implements picocli.CommandLine.ITypeConverter<String> {
    private static final java.util.regex.Pattern FORM =
        java.util.regex.Pattern.compile(".+/v[1-9][0-9]*");

    @Override
    public String convert(String value) {
      if (!FORM.matcher(value).matches()) {
        throw new picocli.CommandLine.TypeConversionException("'" + value + "' is not a key"
            + " version: give identity/vN, e.g. " + (value.contains("/") ? "billing@example.com"
                : value) + "/v1 (smimectl list shows them)");
      }
      return value;
    }
  }

  /**
   * picocli converter for an IDENTITY argument (list): a version there (identity/vN) is a
   * usage error naming the identity to give, not "no key versions" (an officer trial).
   */
  static final class Identity implements picocli.CommandLine.ITypeConverter<String> {
    @Override
    public String convert(String value) {
      if (Version.FORM.matcher(value).matches()) {
        throw new picocli.CommandLine.TypeConversionException("'" + value + "' is a key"
            + " version; list takes an identity: " + value.substring(0,
                value.lastIndexOf("/v")));
      }
      return value;
    }
  }

  /**
   * picocli converter for --confirm: a SHA-256 fingerprint, 64 hex digits with or without
   * colons (as smimectl list and openssl x509 -fingerprint print it). Anything else is a usage
   * error, not "does not match" (an officer trial: a typo read as the wrong certificate).
   */
  static final class Fingerprint implements picocli.CommandLine.ITypeConverter<String> {
    private static final java.util.regex.Pattern FORM =
        java.util.regex.Pattern.compile("[0-9a-fA-F]{64}");

    @Override
    public String convert(String value) {
      if (!FORM.matcher(value.replace(":", "")).matches()) {
        throw new picocli.CommandLine.TypeConversionException("'" + value + "' is not a"
            + " SHA-256 fingerprint: give the 64 hex digits 'smimectl list' (or 'smimectl"
            + " token', for a version whose key is missing) shows");
      }
      return value;
    }
  }

  /** picocli converter for --usage. */
  static final class Usage implements picocli.CommandLine.ITypeConverter<KeyUsageKind> {
    @Override
    public KeyUsageKind convert(String value) {
      return switch (value.toLowerCase(Locale.ROOT)) {
        case "sign" -> KeyUsageKind.KEY_USAGE_KIND_SIGN;
        case "encrypt" -> KeyUsageKind.KEY_USAGE_KIND_ENCRYPT;
        case "both" -> KeyUsageKind.KEY_USAGE_KIND_BOTH;
        default -> throw new picocli.CommandLine.TypeConversionException("'" + value
            + "' is not one of sign, encrypt, both");
      };
    }
  }

  static String algorithm(KeyGenAlgorithm a) {
    return a.name().replace("KEY_GEN_ALGORITHM_", "").replace("_", "").toLowerCase(Locale.ROOT);
  }

  static String usage(KeyUsageKind u) {
    return u.name().replace("KEY_USAGE_KIND_", "").toLowerCase(Locale.ROOT);
  }

  static String state(KeyVersionInfo v) {
    return v.getState().name().replace("KEY_VERSION_STATE_", "");
  }

  /**
   * What an activate, destroy or import-pkcs12 did: the version's line, or, when dual control
   * held it back, "pending approval ID (expires TIME)".
   */
  static String outcome(KeyVersionInfo v) {
    if (!v.getPendingApprovalId().isEmpty()) {
      return "pending approval " + v.getPendingApprovalId() + " (expires "
          + v.getPendingExpires() + ")";
    }
    return line(v);
  }

  /**
   * A private key's protection in words, for an auditor: whether it can leave the token,
   * whether it ever could (an imported key existed outside), and whether anyone with the PIN
   * can widen its usages.
   */
  static String protection(KeyProtection p) {
    String stays = !p.getSensitive() ? "NOT SENSITIVE (its value can be read)"
        : p.getExtractable() ? "EXTRACTABLE (it can be wrapped out)"
        : p.getNeverExtractable() && p.getAlwaysSensitive()
            ? "never left the token (sensitive, never extractable)"
            : "cannot leave the token (sensitive, not extractable; imported: it existed outside)";
    return stays + (p.getModifiable() || p.getCopyable()
        ? ", usages changeable with the PIN" : ", usages fixed");
  }

  /** One line per version: name, state, algorithm, usage. */
  static String line(KeyVersionInfo v) {
    return v.getVersion() + "  " + state(v) + "  " + algorithm(v.getAlgorithm()) + "  "
        + usage(v.getUsage());
  }
}
