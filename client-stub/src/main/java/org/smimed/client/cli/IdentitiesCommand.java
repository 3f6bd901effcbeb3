package org.smimed.client.cli;

import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import org.smimed.client.IdentityInfo;
import org.smimed.client.SmimeClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code smime identities}: the identities this client may use (ListIdentities), one
 * tab-separated line each under a header, so a developer or a script sees which identity
 * signs, with which key and hash, and which can be encrypted to, without writing a client.
 */
@Command(name = "identities", mixinStandardHelpOptions = true,
    description = {"List the identities your policy entry may sign as or decrypt for.",
        "One tab-separated line each under a header: identity, the key version that signs (or"
        + " the newest one), its algorithm, whether it signs now (yes/no), the hash a Sign uses"
        + " with it, and whether mail can be encrypted to it (yes/no)."})
final class IdentitiesCommand implements Callable<Integer> {
  private static final String PREFIX = "KEY_ALGORITHM_";
  private final CliIo io;

  @Mixin ConnectionOptions connection;

  IdentitiesCommand(CliIo io) {
    this.io = io;
  }

  @Override
  public Integer call() throws Exception {
    List<IdentityInfo> identities = DaemonOperations.query(connection, io,
        "listing the identities failed", SmimeClient::listIdentities);
    PrintWriter out = io.textOut();
    out.println("identity\tkey_version\tkey_algorithm\tsigns\thash\tencrypt_to");
    for (IdentityInfo i : identities) {
      String algorithm = i.keyAlgorithm().name();
      out.println(String.join("\t", i.identity(), i.keyVersion(),
          algorithm.startsWith(PREFIX) ? algorithm.substring(PREFIX.length()) : algorithm,
          yes(i.signs()), i.hash().micalg(), yes(!i.encryptionCertificateChain().isEmpty())));
    }
    out.flush();
    if (identities.isEmpty()) {
      // A header alone read as success to a new operator whose policy did not know them
      // (a deployment trial); limits names the policy entry, or why none matches.
      io.err().println("smime: identities: none: the daemon's policy lets this client sign as"
          + " or decrypt for no identity; 'smime limits' names your policy entry, or says why"
          + " none matches your certificate");
    }
    return 0;
  }

  private static String yes(boolean value) {
    return value ? "yes" : "no";
  }
}
