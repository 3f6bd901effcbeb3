package org.smimed.client.admin;

import com.google.protobuf.ByteString;
import java.io.Console;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;
import org.smimed.api.v1.ImportPkcs12Request;
import org.smimed.api.v1.KeyAdminServiceGrpc.KeyAdminServiceBlockingStub;
import org.smimed.client.cli.CliIo;
import org.smimed.client.cli.ConnectionSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code smimectl import-pkcs12}: migrates an S/MIME key from a PKCS#12 file into the token.
 *
 * <p>Guarantee: the password is never a command-line argument; it comes from the terminal or
 * from a file only its owner can read, and the arrays holding it and the file are cleared after
 * the call. (The request itself carries it as a protobuf string, which Java cannot clear.)
 */
@Command(name = "import-pkcs12", mixinStandardHelpOptions = true,
    description = {"Migrate an existing key and its certificate chain from a PKCS#12 file into"
        + " the token (sensitive, non-extractable) as a new PENDING version; activate it next.",
        "The password is asked for on the terminal, or read from --password-file (private to"
            + " its owner) or from the environment variable named by --password-env; never"
            + " from an argument.",
        "With --archive the key is migrated to decrypt old mail only: DECRYPT_ONLY at once,"
            + " never signing nor announced for new mail, and its certificate may have expired.",
        "Under dual control prints 'pending approval ID (expires TIME)' and exits 0: the"
            + " daemon holds the file and password in memory only, until another officer runs"
            + " 'smimectl approve ID' or the request expires, and then wipes them."})
final class ImportPkcs12Command extends AdminCommand {
  private static final Set<PosixFilePermission> GROUP_OR_OTHER = EnumSet.of(
      PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE,
      PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE);

  @Parameters(index = "0", paramLabel = "IDENTITY", description = "E-mail address.")
  String identity;

  @Parameters(index = "1", paramLabel = "FILE", description = "The PKCS#12 (.p12/.pfx) file.")
  Path file;

  @Option(names = "--password-file", paramLabel = "FILE",
      description = "File whose first line is the password (mode 600).")
  Path passwordFile;

  @Option(names = "--password-env", paramLabel = "VARIABLE",
      description = "Name of an environment variable holding the password.")
  String passwordEnv;

  @Option(names = "--archive",
      description = "Migrate as an archive key: decrypts old mail only (DECRYPT_ONLY), its"
          + " certificate checked as of its last valid day, so an expired one is accepted.")
  boolean archive;

  @picocli.CommandLine.Spec
  picocli.CommandLine.Model.CommandSpec spec;

  /** What fits one 4 MiB request to the daemon, with room for the rest of it. */
  static final int MAX_PKCS12_BYTES = 4 * 1024 * 1024 - 64 * 1024;

  ImportPkcs12Command(CliIo io) {
    super(io);
  }

  @Override
  void run(KeyAdminServiceBlockingStub admin) throws Exception {
    byte[] p12 = Files.readAllBytes(file);
    char[] password = new char[0];
    try {
      if (p12.length == 0) {
        // The daemon could only say "pkcs12 is required" (found by an officer trial).
        throw new AdminFailure("the PKCS#12 file " + file + " is empty");
      }
      // Said here, by name: the daemon answers a PEM file "wrong password or not a PKCS#12
      // file", and gRPC one over its 4 MiB request limit with its own words (both found by
      // an import trial).
      // Anywhere near the start: `openssl pkcs12 -nodes` writes "Bag Attributes" lines first.
      if (new String(p12, 0, Math.min(p12.length, 8192), StandardCharsets.ISO_8859_1)
          .contains("-----BEGIN ")) {
        throw new AdminFailure(file + " is PEM, not PKCS#12: wrap the key, its certificate and"
            + " the CA certificates in one (openssl pkcs12 -export -inkey KEY.pem -in CERT.pem"
            + " -certfile CA-CHAIN.pem -out FILE.p12)");
      }
      if (p12.length > MAX_PKCS12_BYTES) {
        throw new AdminFailure("the PKCS#12 file " + file + " has " + p12.length + " bytes;"
            + " a key with its certificates takes a few kilobytes, and the daemon takes at most "
            + MAX_PKCS12_BYTES + " (several keys or a large chain in it?)");
      }
      password = password();
      println(Names.outcome(admin.importPkcs12(ImportPkcs12Request.newBuilder()
          .setIdentity(identity).setPkcs12(ByteString.copyFrom(p12))
          .setPassword(new String(password)).setArchive(archive).build())));
    } finally {
      Arrays.fill(password, '\0');
      Arrays.fill(p12, (byte) 0);
    }
  }

  /** The way the password was asked for does not work here: a usage error (exit 2). */
  private picocli.CommandLine.ParameterException usage(String message) {
    return new picocli.CommandLine.ParameterException(spec.commandLine(), message);
  }

  private char[] password() throws Exception {
    if (passwordFile != null && passwordEnv != null) {
      throw usage("give either --password-file or --password-env, not both");
    }
    if (passwordEnv != null) {
      String value = io.env().get(passwordEnv);
      // Set to "" is an empty password, valid for PKCS#12 as an empty --password-file is.
      if (value == null) {
        throw usage("environment variable " + passwordEnv + " is not set (--password-env)");
      }
      return value.toCharArray();
    }
    if (passwordFile == null) {
      Console console = System.console();
      if (console == null) {
        throw usage("no terminal to ask for the PKCS#12 password; use --password-file or"
            + " --password-env");
      }
      char[] typed = console.readPassword("PKCS#12 password for %s: ", file.getFileName());
      if (typed == null) {
        throw new AdminFailure("no password entered");
      }
      return typed;
    }
    Set<PosixFilePermission> permissions;
    try {
      permissions = Files.getPosixFilePermissions(passwordFile);
    } catch (java.io.IOException e) {
      // Say which file: "no such file: X" did not (found by a CLI review).
      throw new AdminFailure("--password-file: " + ConnectionSettings.why(e));
    }
    permissions.retainAll(GROUP_OR_OTHER);
    if (!permissions.isEmpty()) {
      throw new AdminFailure("password file " + passwordFile
          + " is readable or writable by group or others; chmod 600 it");
    }
    byte[] bytes = Files.readAllBytes(passwordFile);
    try {
      CharBuffer chars = StandardCharsets.UTF_8.decode(ByteBuffer.wrap(bytes));
      int end = 0;
      while (end < chars.limit() && chars.get(end) != '\n' && chars.get(end) != '\r') {
        end++;
      }
      char[] password = Arrays.copyOf(chars.array(), end);
      Arrays.fill(chars.array(), '\0');
      return password;
    } finally {
      Arrays.fill(bytes, (byte) 0);
    }
  }
}
