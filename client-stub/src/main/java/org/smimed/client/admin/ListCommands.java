package org.smimed.client.admin;

import io.grpc.StatusRuntimeException;
import java.util.List;
import java.util.Locale;
import org.smimed.api.v1.KeyAdminServiceGrpc.KeyAdminServiceBlockingStub;
import org.smimed.api.v1.KeyVersionInfo;
import org.smimed.api.v1.ListKeysRequest;
import org.smimed.api.v1.ListPendingApprovalsRequest;
import org.smimed.api.v1.PendingApproval;
import org.smimed.api.v1.TokenInfoRequest;
import org.smimed.api.v1.TokenInfoResponse;
import org.smimed.client.cli.CliIo;
import org.smimed.client.cli.UsageErrors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code list}, {@code pending} and {@code token}: what is on the token, what waits. */
final class ListCommands {
  private ListCommands() {}

  @Command(name = "list", mixinStandardHelpOptions = true,
      description = "List identities and their versions: state, algorithm, usage, certificate"
          + " subject, serial, expiry, days left, fingerprint, and how the token protects the"
          + " private key (its PKCS#11 attributes, as the token reports them).")
  static final class ListKeys extends AdminCommand {
    @Parameters(index = "0", arity = "0..1", paramLabel = "IDENTITY",
        converter = Names.Identity.class, description = "Only this identity.")
    String identity;

    @Option(names = "--json", description = "One JSON array, for scripts.")
    boolean json;

    ListKeys(CliIo io) {
      super(io);
    }

    @Override
    void run(KeyAdminServiceBlockingStub admin) throws AdminFailure {
      List<KeyVersionInfo> versions = admin.listKeys(ListKeysRequest.getDefaultInstance())
          .getVersionsList().stream()
          .filter(v -> identity == null || v.getIdentity().equalsIgnoreCase(identity)).toList();
      if (identity != null && versions.isEmpty()) {
        // Nothing printed and exit 0 read as "listed, all fine" (an outside trial). Versions
        // that are problems are named as such: "no key versions" for an identity whose only
        // key went missing sent an officer trial looking elsewhere.
        long problems = problems(admin).stream().filter(p -> p.toLowerCase(Locale.ROOT)
            .startsWith(identity.toLowerCase(Locale.ROOT) + "/v")).count();
        throw new AdminFailure(problems == 0 ? "no key versions for identity '" + identity + "'"
            : "no key versions listed for identity '" + identity + "': the token has "
                + problems + " problem(s) with its versions, which cannot be served: 'smimectl"
                + " token' names them");
      }
      if (json) {
        println(Json.versions(versions));
        return;
      }
      for (KeyVersionInfo v : versions) {
        // What a certificate's issuer wrote, on one line with control characters escaped: a
        // subject with a line break printed a forged version line (an officer trial).
        String cert = v.getCertificateSubject().isEmpty() ? "no certificate"
            : UsageErrors.oneLine(v.getCertificateSubject()) + "  serial "
            + v.getCertificateSerial() + "  expires "
            + v.getNotAfter() + " (" + (v.getDaysLeft() < 0 ? "EXPIRED" : v.getDaysLeft()
            + " days") + ")";
        // A DESTROYED version has no certificate or key left, so nothing to fingerprint.
        String fingerprint = v.getFingerprint().isEmpty() ? "" : "  sha256 "
            + v.getFingerprint();
        println(Names.line(v) + (v.getLegacy() ? "  legacy" : "") + "  " + cert + fingerprint
            + (v.hasKeyProtection() ? "  key: " + Names.protection(v.getKeyProtection()) : ""));
      }
      problemsHint(admin);
    }

    /**
     * Versions the daemon found damaged are not listed (neither served): a fault trial's
     * corrupted token listed nothing, exit 0, while keys sat on it as problems only
     * 'smimectl token' named. A token read that fails says nothing more: the list stands.
     */
    private void problemsHint(KeyAdminServiceBlockingStub admin) {
      int problems = problems(admin).size();
      if (problems > 0) {
        io.err().println("smimectl: the token has " + problems + " problem(s), such as versions"
            + " not listed here because they cannot be served: 'smimectl token' names them");
      }
    }

    /** The token's problem lines; none when the token cannot be read (the list stands). */
    private static List<String> problems(KeyAdminServiceBlockingStub admin) {
      try {
        return admin.tokenInfo(TokenInfoRequest.getDefaultInstance()).getProblemsList();
      } catch (StatusRuntimeException e) {
        return List.of();
      }
    }
  }

  @Command(name = "pending", mixinStandardHelpOptions = true,
      description = {"List the requests waiting for a second officer's approval (dual"
          + " control): id, action, target, the officer who asked, expiry, and the certificate"
          + " concerned — check it before 'smimectl approve ID'.",
          "Nothing waiting prints nothing on standard output (a note on standard error;"
              + " exit 0)."})
  static final class Pending extends AdminCommand {
    @Option(names = "--json", description = "One JSON array, for scripts.")
    boolean json;

    Pending(CliIo io) {
      super(io);
    }

    @Override
    void run(KeyAdminServiceBlockingStub admin) {
      List<PendingApproval> requests = admin.listPendingApprovals(
          ListPendingApprovalsRequest.getDefaultInstance()).getRequestsList();
      if (json) {
        println(Json.pending(requests));
        return;
      }
      if (requests.isEmpty()) {
        // Said on stderr: nothing on stdout still reads as "none" to a script.
        io.err().println("smimectl: no requests waiting for approval");
      }
      for (PendingApproval p : requests) {
        println(p.getRequestId() + "  " + p.getAction() + " " + p.getTarget()
            + "  requested by " + p.getRequestedBy() + "  expires " + p.getExpires()
            + "\n    certificate " + UsageErrors.oneLine(p.getCertificate()));
      }
    }
  }

  @Command(name = "token", mixinStandardHelpOptions = true,
      description = "Token and library information, free space, mechanisms, and what the"
          + " daemon found wrong with the token's objects (a version whose private key is"
          + " missing is not listed by 'list', only here).")
  static final class Token extends AdminCommand {
    @Option(names = "--json", description = "One JSON object, for scripts.")
    boolean json;

    Token(CliIo io) {
      super(io);
    }

    @Override
    void run(KeyAdminServiceBlockingStub admin) {
      TokenInfoResponse t = admin.tokenInfo(TokenInfoRequest.getDefaultInstance());
      if (json) {
        println(Json.token(t));
        return;
      }
      println("label:        " + t.getLabel());
      println("manufacturer: " + t.getManufacturer());
      println("model:        " + t.getModel());
      println("serial:       " + t.getSerial());
      println("library:      " + t.getLibrary());
      println("public mem:   " + memory(t.getFreePublicMemory(), t.getTotalPublicMemory()));
      println("private mem:  " + memory(t.getFreePrivateMemory(), t.getTotalPrivateMemory()));
      println("mechanisms:   " + String.join(" ", t.getMechanismsList()));
      t.getProblemsList().forEach(p -> println("problem:      " + UsageErrors.oneLine(p)));
    }

    /** Bytes free of total; -1 is PKCS#11's "not available", which SoftHSM2 reports. */
    private static String memory(long free, long total) {
      return (free < 0 ? "unknown" : free + " bytes") + " free of "
          + (total < 0 ? "unknown" : total + " bytes");
    }
  }
}
