package org.smimed.client.admin;

import com.google.protobuf.ByteString;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import org.smimed.api.v1.CreateCsrRequest;
import org.smimed.api.v1.CreateCsrResponse;
import org.smimed.api.v1.GenerateKeyRequest;
import org.smimed.api.v1.ImportCertificateChainRequest;
import org.smimed.api.v1.KeyAdminServiceGrpc.KeyAdminServiceBlockingStub;
import org.smimed.api.v1.KeyGenAlgorithm;
import org.smimed.api.v1.KeyUsageKind;
import org.smimed.api.v1.KeyVersionInfo;
import org.smimed.api.v1.KeyVersionState;
import org.smimed.api.v1.ListKeysRequest;
import org.smimed.client.cli.CliIo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Certificate requests and certificate imports, and rotate (generate + request). */
final class CertificateCommands {
  private CertificateCommands() {}

  /** Options of a certificate request. */
  static final class CsrOptions {
    @Option(names = "--subject", paramLabel = "DN", defaultValue = "",
        description = "Subject as RFC 4514 writes it (and list prints it), e.g."
            + " 'CN=Billing,O=Example' (default: the subject of the"
            + " identity's newest certificate, so a rotation keeps it; else CN=<identity>).")
    String subject;

    @Option(names = "--email", paramLabel = "ADDRESS", defaultValue = "",
        description = "Address for subjectAltName (default: the identity; must equal it).")
    String email;

    @Option(names = "--out", paramLabel = "FILE",
        description = "Write the PEM request here (- or none: standard output).")
    Path out;

    boolean toStandardOutput() {
      return out == null || out.toString().equals("-");
    }

    /**
     * Refuses an --out that cannot be written before anything is asked of the daemon: rotate
     * made the new version first and then failed on the path with "no such file", naming
     * neither the version nor the directory (an officer trial).
     */
    void requireWritableOut(picocli.CommandLine.Model.CommandSpec spec) {
      if (toStandardOutput()) {
        return;
      }
      Path dir = out.toAbsolutePath().getParent();
      String problem = Files.isDirectory(out) ? "is a directory"
          : dir != null && !Files.isDirectory(dir) ? "is in a directory that does not exist"
          : dir != null && !Files.isWritable(dir) ? "is in a directory you cannot write"
          : Files.exists(out) && !Files.isWritable(out) ? "cannot be written" : null;
      if (problem != null) {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(),
            "--out " + out + " " + problem);
      }
    }
  }

  static void writeCsr(AdminCommand command, KeyAdminServiceBlockingStub admin, String version,
      CsrOptions options) throws java.io.IOException {
    CreateCsrResponse csr = admin.createCsr(CreateCsrRequest.newBuilder().setVersion(version)
        .setSubject(options.subject).setEmail(options.email).build());
    if (options.toStandardOutput()) {
      command.println(csr.getCsrPem().strip());
    } else {
      Files.writeString(options.out, csr.getCsrPem(), StandardCharsets.US_ASCII);
    }
  }

  @Command(name = "csr", mixinStandardHelpOptions = true,
      description = "Create a PKCS#10 certificate request for a version, signed in the token.")
  static final class Csr extends AdminCommand {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "VERSION", description = "identity/vN",
      converter = Names.Version.class)
    String version;

    @picocli.CommandLine.Mixin
    CsrOptions options;

    Csr(CliIo io) {
      super(io);
    }

    @Override
    void run(KeyAdminServiceBlockingStub admin) throws Exception {
      options.requireWritableOut(spec);
      writeCsr(this, admin, version, options);
    }
  }

  @Command(name = "import-cert", mixinStandardHelpOptions = true,
      description = "Attach the CA's certificate chain (PEM or DER, up to the root) to a"
          + " PENDING version, after checking it.")
  static final class ImportCert extends AdminCommand {
    @Parameters(index = "0", paramLabel = "VERSION", description = "identity/vN",
      converter = Names.Version.class)
    String version;

    @Parameters(index = "1", paramLabel = "CHAIN", description = "Certificate chain file.")
    Path chain;

    ImportCert(CliIo io) {
      super(io);
    }

    @Override
    void run(KeyAdminServiceBlockingStub admin) throws Exception {
      println(Names.line(admin.importCertificateChain(ImportCertificateChainRequest.newBuilder()
          .setVersion(version).setChain(ByteString.copyFrom(Files.readAllBytes(chain)))
          .build())));
    }
  }

  @Command(name = "rotate", mixinStandardHelpOptions = true,
      description = {"Start a rotation: generate the identity's next version and its"
          + " certificate request. Finish with import-cert and activate.",
          "Algorithm and usage default to those of the identity's active version, else its"
              + " newest (of that usage, with --usage); an identity with separate signing and"
              + " encryption keys needs --usage to say which to rotate.",
          "An X25519 key (RFC 8418) or any encryption-only key cannot sign a request: for it,"
              + " the new version's public key (PEM) is written instead, for the CA to"
              + " certify."})
  static final class Rotate extends AdminCommand {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "IDENTITY", description = "E-mail address.")
    String identity;

    @Option(names = "--alg", converter = Names.Algorithm.class, description = "As generate.")
    KeyGenAlgorithm algorithm;

    @Option(names = "--usage", converter = Names.Usage.class, description = "As generate.")
    KeyUsageKind usage;

    @picocli.CommandLine.Mixin
    CsrOptions options;

    Rotate(CliIo io) {
      super(io);
    }

    @Override
    void run(KeyAdminServiceBlockingStub admin) throws Exception {
      options.requireWritableOut(spec);
      if (algorithm == null || usage == null) {
        List<KeyVersionInfo> versions = admin.listKeys(ListKeysRequest.getDefaultInstance())
            .getVersionsList().stream().filter(v -> v.getIdentity().equalsIgnoreCase(identity)
                && v.getState() != KeyVersionState.KEY_VERSION_STATE_DESTROYED).toList();
        List<KeyUsageKind> uses = versions.stream().map(KeyVersionInfo::getUsage).distinct()
            .toList();
        if (usage == null && uses.size() > 1) {
          // Rotating "the newest" would pick whichever key was made last: say which.
          throw new picocli.CommandLine.ParameterException(spec.commandLine(), "identity '"
              + identity + "' has keys for different uses (" + versions.stream()
                  .map(v -> v.getVersion() + " " + Names.usage(v.getUsage()) + " "
                      + Names.algorithm(v.getAlgorithm())).collect(Collectors.joining(", "))
              + "): say which to rotate with --usage sign or --usage encrypt");
        }
        // A key that does both can be rotated into a signing or an encryption key: it is the
        // one to take the algorithm from when no version has exactly that usage.
        KeyVersionInfo newest = preferActive(versions.stream()
            .filter(v -> usage == null || v.getUsage() == usage).toList())
            .or(() -> preferActive(versions.stream()
                .filter(v -> v.getUsage() == KeyUsageKind.KEY_USAGE_KIND_BOTH).toList()))
            // Only the algorithm is taken from it when --usage is given: an identity whose one
            // version is an archive import (encrypt) rotates into a key that does both, as the
            // README says (an officer trial was told there was no version to rotate from).
            .or(() -> usage == null ? Optional.empty() : versions.stream().reduce((a, b) -> b))
            .orElseThrow(() -> new AdminFailure("identity '" + identity
                + "' has no version" + (usage == null ? "" : " for " + Names.usage(usage))
                + " to rotate from; use generate with --alg and --usage"));
        algorithm = algorithm != null ? algorithm : newest.getAlgorithm();
        usage = usage != null ? usage : newest.getUsage();
      }
      KeyVersionInfo made = admin.generateKey(GenerateKeyRequest.newBuilder()
          .setIdentity(identity).setAlgorithm(algorithm).setUsage(usage).build());
      // Said once, before the request, so a failing CSR still names the new version: on
      // standard output like generate's, unless the CSR itself goes there.
      if (options.toStandardOutput()) {
        io.err().println("smimectl: generated " + Names.line(made));
      } else {
        println(Names.line(made));
      }
      boolean x25519 = algorithm == KeyGenAlgorithm.KEY_GEN_ALGORITHM_X25519;
      // A key made without CKA_SIGN cannot sign its own request either (a security trial:
      // rotating an encryption-only RSA key ended INTERNAL after making it).
      if (x25519 || usage == KeyUsageKind.KEY_USAGE_KIND_ENCRYPT) {
        boolean rsa = Names.algorithm(algorithm).startsWith("rsa");
        io.err().println("smimectl: " + (x25519 ? "an X25519 key cannot sign a certificate"
            + " request (RFC 8418)" : "an encryption-only key cannot sign a certificate request")
            + ": " + (options.toStandardOutput() ? "here is" : "wrote") + " the public key"
            + " of " + made.getVersion() + " for the CA to certify (keyUsage "
            + (rsa ? "keyEncipherment" : "keyAgreement") + ", extendedKeyUsage"
            + " emailProtection); then import-cert and activate");
        String pem = PublicKeyCommand.pem(made);
        if (options.toStandardOutput()) {
          println(pem.strip());
        } else {
          Files.writeString(options.out, pem, StandardCharsets.US_ASCII);
        }
        return;
      }
      writeCsr(this, admin, made.getVersion(), options);
    }

    /**
     * The version to take the algorithm from: the ACTIVE one, else the newest. An abandoned
     * PENDING version made with another algorithm turned an RSA identity's rotation into a
     * P-256 one (an officer trial).
     */
    private static Optional<KeyVersionInfo> preferActive(List<KeyVersionInfo> versions) {
      return versions.stream()
          .filter(v -> v.getState() == KeyVersionState.KEY_VERSION_STATE_ACTIVE)
          .reduce((a, b) -> b).or(() -> versions.stream().reduce((a, b) -> b));
    }
  }
}
