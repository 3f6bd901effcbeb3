package org.smimed.client.admin;

import java.util.Base64;
import org.smimed.api.v1.KeyAdminServiceGrpc.KeyAdminServiceBlockingStub;
import org.smimed.api.v1.KeyVersionInfo;
import org.smimed.api.v1.ListKeysRequest;
import org.smimed.client.cli.CliIo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code public-key}: prints a version's public key as PEM, so a CA can certify a key that
 * cannot sign its own request (X25519, RFC 8418, or any encryption-only key); the
 * certificate then goes in with
 * {@code import-cert}.
 */
@Command(name = "public-key", mixinStandardHelpOptions = true,
    description = "Print the public key of a version (PEM SubjectPublicKeyInfo), e.g. for a CA"
        + " to certify an X25519 or other encryption-only key, which cannot sign a CSR; then"
        + " import-cert.")
final class PublicKeyCommand extends AdminCommand {
  @Parameters(index = "0", paramLabel = "VERSION", description = "identity/vN",
      converter = Names.Version.class)
  String version;

  PublicKeyCommand(CliIo io) {
    super(io);
  }

  @Override
  void run(KeyAdminServiceBlockingStub admin) throws AdminFailure {
    KeyVersionInfo v = admin.listKeys(ListKeysRequest.getDefaultInstance()).getVersionsList()
        .stream().filter(k -> k.getVersion().equalsIgnoreCase(version)).findFirst()
        .orElseThrow(() -> new AdminFailure("no version " + version));
    if (v.getPublicKey().isEmpty()) {
      throw new AdminFailure(version + " has no public key (destroyed)");
    }
    println(pem(v).strip());
  }

  /** The version's public key as PEM SubjectPublicKeyInfo, lines ending in LF. */
  static String pem(KeyVersionInfo v) {
    return "-----BEGIN PUBLIC KEY-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'})
        .encodeToString(v.getPublicKey().toByteArray()) + "\n-----END PUBLIC KEY-----\n";
  }
}
