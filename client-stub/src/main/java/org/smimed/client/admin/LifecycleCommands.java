package org.smimed.client.admin;

import org.smimed.api.v1.ApproveRequest;
import org.smimed.api.v1.DestroyRequest;
import org.smimed.api.v1.DisableRequest;
import org.smimed.api.v1.GenerateKeyRequest;
import org.smimed.api.v1.KeyAdminServiceGrpc.KeyAdminServiceBlockingStub;
import org.smimed.api.v1.KeyGenAlgorithm;
import org.smimed.api.v1.KeyUsageKind;
import org.smimed.api.v1.KeyVersionRequest;
import org.smimed.client.cli.CliIo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The state-changing subcommands that take a version or identity and print one line. */
final class LifecycleCommands {
  private LifecycleCommands() {}

  @Command(name = "generate", mixinStandardHelpOptions = true,
      description = "Generate a key pair inside the token as the identity's next version"
          + " (PENDING).")
  static final class Generate extends AdminCommand {
    @Parameters(index = "0", paramLabel = "IDENTITY", description = "E-mail address.")
    String identity;

    @Option(names = "--alg", required = true, converter = Names.Algorithm.class,
        description = "rsa2048, rsa3072, rsa4096, p256, p384, p521, ed25519 (usage sign),"
            + " x25519 (usage encrypt; certify it from public-key, it cannot sign a CSR).")
    KeyGenAlgorithm algorithm;

    @Option(names = "--usage", required = true, converter = Names.Usage.class,
        description = "sign, encrypt or both.")
    KeyUsageKind usage;

    Generate(CliIo io) {
      super(io);
    }

    @Override
    void run(KeyAdminServiceBlockingStub admin) {
      println(Names.line(admin.generateKey(GenerateKeyRequest.newBuilder()
          .setIdentity(identity).setAlgorithm(algorithm).setUsage(usage).build())));
    }
  }

  @Command(name = "activate", mixinStandardHelpOptions = true,
      description = {"Make a PENDING version with a certificate the identity's ACTIVE version"
          + " for what its usage allows (signing, encryption or both); the ACTIVE versions"
          + " that did one of those jobs become DECRYPT_ONLY.",
          "Under dual control prints 'pending approval ID (expires TIME)' and exits 0: nothing"
              + " changes until another officer runs 'smimectl approve ID'."})
  static final class Activate extends AdminCommand {
    @Parameters(index = "0", paramLabel = "VERSION", description = "identity/vN",
      converter = Names.Version.class)
    String version;

    Activate(CliIo io) {
      super(io);
    }

    @Override
    void run(KeyAdminServiceBlockingStub admin) {
      println(Names.outcome(admin.activate(KeyVersionRequest.newBuilder().setVersion(version)
          .build())));
    }
  }

  @Command(name = "disable", mixinStandardHelpOptions = true,
      description = {"Stop a version from signing and decrypting, for good: a DISABLED"
          + " version can only be destroyed, and mail encrypted to it no longer decrypts."
          + " Confirmed, like destroy, with the version's fingerprint.",
          "Under dual control prints 'pending approval ID (expires TIME)' and exits 0: nothing"
              + " changes until another officer runs 'smimectl approve ID'."})
  static final class Disable extends AdminCommand {
    @Parameters(index = "0", paramLabel = "VERSION", description = "identity/vN",
      converter = Names.Version.class)
    String version;

    @Option(names = "--confirm", required = true, paramLabel = "FINGERPRINT",
        converter = Names.Fingerprint.class,
        description = "The version's SHA-256 fingerprint as 'smimectl list' shows it.")
    String fingerprint;

    Disable(CliIo io) {
      super(io);
    }

    @Override
    void run(KeyAdminServiceBlockingStub admin) {
      println(Names.outcome(admin.disable(DisableRequest.newBuilder().setVersion(version)
          .setConfirmFingerprint(fingerprint).build())));
    }
  }

  @Command(name = "destroy", mixinStandardHelpOptions = true,
      description = {"Remove a DISABLED version's key and certificate from the token. Mail"
          + " encrypted to it can no longer be read. Also removes what is left of a version"
          + " whose private key is missing ('smimectl token' names it and its fingerprint).",
          "Under dual control prints 'pending approval ID (expires TIME)' and exits 0: nothing"
              + " changes until another officer runs 'smimectl approve ID'."})
  static final class Destroy extends AdminCommand {
    @Parameters(index = "0", paramLabel = "VERSION", description = "identity/vN",
      converter = Names.Version.class)
    String version;

    @Option(names = "--confirm", required = true, paramLabel = "FINGERPRINT",
        converter = Names.Fingerprint.class,
        description = "The version's SHA-256 fingerprint as 'smimectl list' shows it.")
    String fingerprint;

    Destroy(CliIo io) {
      super(io);
    }

    @Override
    void run(KeyAdminServiceBlockingStub admin) {
      println(Names.outcome(admin.destroy(DestroyRequest.newBuilder().setVersion(version)
          .setConfirmFingerprint(fingerprint).build())));
    }
  }

  @Command(name = "approve", mixinStandardHelpOptions = true,
      description = {"Approve another officer's pending activate, disable, destroy or"
          + " import-pkcs12 (dual"
          + " control): the action runs now and its result is printed. 'smimectl pending'"
          + " shows what each request would do, and to which certificate, before you approve.",
          "Refused when the request is unknown (NOT_FOUND), expired (FAILED_PRECONDITION) or"
              + " was made by the approving officer (PERMISSION_DENIED)."})
  static final class Approve extends AdminCommand {
    @Parameters(index = "0", paramLabel = "ID",
        description = "The id printed as 'pending approval ID'.")
    String requestId;

    Approve(CliIo io) {
      super(io);
    }

    @Override
    void run(KeyAdminServiceBlockingStub admin) {
      println(Names.line(admin.approve(ApproveRequest.newBuilder().setRequestId(requestId)
          .build())));
    }
  }
}
