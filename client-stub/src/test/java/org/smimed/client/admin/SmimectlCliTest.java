package org.smimed.client.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.smimed.client.admin.SmimectlRunner.Run;

/** smimectl's usage, exit codes and password handling, before any call reaches a daemon. */
class SmimectlCliTest {
  @TempDir
  Path dir;

  private Run run(String... args) {
    return run(Map.of(), args);
  }

  private Run run(Map<String, String> env, String... args) {
    return SmimectlRunner.run(env, args);
  }

  @Test
  void help_listsEveryCommandAndExitCodes() {
    Run r = run("--help");

    assertThat(r.exit()).isZero();
    assertThat(r.out()).contains("generate", "csr", "import-cert", "import-pkcs12", "activate",
        "disable", "destroy", "rotate", "list", "token", "Exit codes:");
  }

  @Test
  void anUnknownCommand_withHelp_isStillAUsageError() {
    Run r = run("lsit", "--help");

    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).startsWith("smimectl: Unmatched argument at index 0: 'lsit'");
  }

  @Test
  void everySubcommandHelp_documentsExitCodes() {
    for (String command : new String[] {"generate", "csr", "import-cert", "import-pkcs12",
        "activate", "disable", "destroy", "rotate", "list", "token"}) {
      Run r = run(command, "--help");
      assertThat(r.exit()).as(command).isZero();
      assertThat(r.out()).as(command).contains("Exit codes:", "bad usage");
    }
  }

  /** Found by a review: "smimectl help generate" said IDENTITY was missing. */
  @Test
  void helpCommand_printsTheSubcommandsUsage() {
    for (String[] args : new String[][] {{"help", "generate"}, {"help", "list"},
        {"audit", "help", "verify"}}) {
      Run r = run(args);
      assertThat(r.exit()).as(String.join(" ", args)).isZero();
      assertThat(r.out()).as(String.join(" ", args))
          .startsWith("Usage: smimectl " + (args[0].equals("audit") ? "audit " : "")
              + args[args.length - 1]);
    }
  }

  @Test
  void noSubcommand_orUnknownAlgorithm_isUsageError() {
    assertThat(run().exit()).isEqualTo(2);
    Run bad = run("generate", "a@example.com", "--alg", "dsa", "--usage", "sign",
        "--plaintext");
    assertThat(bad.exit()).isEqualTo(2);
    assertThat(bad.err()).startsWith("smimectl: ").contains("'dsa' is not one of rsa2048");
  }

  @Test
  void destroy_withoutConfirm_isUsageError() {
    Run r = run("destroy", "a@example.com/v1", "--plaintext");

    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("--confirm");
  }

  @Test
  void importPkcs12_passwordFileReadableByOthers_isRefusedBeforeAnyCall() throws Exception {
    Path p12 = Files.write(dir.resolve("a.p12"), new byte[] {1, 2, 3});
    Path password = Files.writeString(dir.resolve("pw"), "secret\n");
    Files.setPosixFilePermissions(password, PosixFilePermissions.fromString("rw-r--r--"));

    Run r = run("import-pkcs12", "a@example.com", p12.toString(), "--password-file",
        password.toString(), "--target", "localhost:1", "--plaintext");

    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).endsWith("smimectl: password file " + password
        + " is readable or writable by group or others; chmod 600 it\n");
    assertThat(r.err()).doesNotContain("secret");
  }

  /** Found by a CLI review: "no such file: X" did not say X was the password file. */
  @Test
  void importPkcs12_passwordFileNotThere_namesTheOption() throws Exception {
    Path p12 = Files.write(dir.resolve("b.p12"), new byte[] {1, 2, 3});
    Path password = dir.resolve("no-pw");

    Run r = run("import-pkcs12", "a@example.com", p12.toString(), "--password-file",
        password.toString(), "--target", "localhost:1", "--plaintext");

    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).endsWith("smimectl: --password-file: no such file: " + password + "\n");
  }

  /** Found by a CLI review: gRPC's "finishConnect(..) failed" said nothing of admin.listen. */
  @Test
  void nothingListeningAtTarget_saysTheAdminListenerIsConfigured() throws Exception {
    int port;
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
      port = socket.getLocalPort();
    }

    Run r = run("list", "--target", "localhost:" + port, "--plaintext");

    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).contains("UNAVAILABLE").contains("nothing listens at --target (or"
        + " SMIMECTL_TARGET): the daemon serves key administration only when its config has"
        + " an admin section");
  }

  /** Found by an officer trial: the daemon could only say "pkcs12 is required". */
  @Test
  void importPkcs12_ofAnEmptyFile_saysItIsEmpty() throws Exception {
    Path p12 = Files.write(dir.resolve("empty.p12"), new byte[0]);

    Run r = run(Map.of("PW", "x"), "import-pkcs12", "a@example.com", p12.toString(),
        "--password-env", "PW", "--target", "localhost:1", "--plaintext");

    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).endsWith("smimectl: the PKCS#12 file " + p12 + " is empty\n");
  }

  /** Found by an import trial: "wrong password or not a PKCS#12 file", and gRPC's limit. */
  @Test
  void importPkcs12_ofAPemFileOrAHugeOne_saysWhatItIs() throws Exception {
    Path pem = Files.writeString(dir.resolve("key.pem"), "Bag Attributes\n    localKeyID: 01\n"
        + "-----BEGIN PRIVATE KEY-----\nMIIE\n");
    Path huge = Files.write(dir.resolve("huge.p12"), new byte[5 * 1024 * 1024]);

    Run r = run(Map.of("PW", "x"), "import-pkcs12", "a@example.com", pem.toString(),
        "--password-env", "PW", "--target", "localhost:1", "--plaintext");
    Run big = run(Map.of("PW", "x"), "import-pkcs12", "a@example.com", huge.toString(),
        "--password-env", "PW", "--target", "localhost:1", "--plaintext");

    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).endsWith("smimectl: " + pem + " is PEM, not PKCS#12: wrap the key, its"
        + " certificate and the CA certificates in one (openssl pkcs12 -export -inkey KEY.pem"
        + " -in CERT.pem -certfile CA-CHAIN.pem -out FILE.p12)\n");
    assertThat(big.exit()).isEqualTo(1);
    assertThat(big.err()).contains("has 5242880 bytes");
  }

  /**
   * Found by an officer trial: a passed --deadline printed gRPC's internals and not that the
   * change may have been made. A listener that never answers stands in for a slow daemon.
   */
  @Test
  void deadlinePassed_saysTheChangeMayHaveBeenMade() throws Exception {
    try (java.net.ServerSocket silent = new java.net.ServerSocket(0)) {
      Run r = run("disable", "a@example.com/v1", "--confirm", "ab".repeat(32), "--plaintext",
          "--target", "localhost:" + silent.getLocalPort(), "--deadline", "1");

      assertThat(r.exit()).isEqualTo(1);
      assertThat(r.err()).endsWith("smimectl: no answer within --deadline"
          + " (DEADLINE_EXCEEDED); if this was a change, the daemon may still have made it:"
          + " check with 'smimectl list' before trying again, or give a longer --deadline\n");
    }
  }

  @Test
  void importPkcs12_passwordEnvSetToEmpty_isAnEmptyPasswordNotAMissingOne() throws Exception {
    Path p12 = Files.write(dir.resolve("a.p12"), new byte[] {1, 2, 3});

    Run empty = run(Map.of("EMPTYPW", ""), "import-pkcs12", "a@example.com", p12.toString(),
        "--password-env", "EMPTYPW", "--target", "localhost:1", "--plaintext");
    Run unset = run("import-pkcs12", "a@example.com", p12.toString(), "--password-env",
        "EMPTYPW", "--target", "localhost:1", "--plaintext");

    assertThat(empty.err()).doesNotContain("EMPTYPW").contains("UNAVAILABLE");
    // How the password was asked for cannot work: a usage error, as other bad options are.
    assertThat(unset.exit()).isEqualTo(2);
    assertThat(unset.err()).contains("environment variable EMPTYPW is not set (--password-env)");
    Run both = run(Map.of("EMPTYPW", ""), "import-pkcs12", "a@example.com", p12.toString(),
        "--password-env", "EMPTYPW", "--password-file", p12.toString(), "--target",
        "localhost:1", "--plaintext");
    assertThat(both.exit()).isEqualTo(2);
    assertThat(both.err()).contains("give either --password-file or --password-env, not both");
  }

  @Test
  void tlsWithoutCa_isUsageError() {
    Run r = run("list");

    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("--ca (or SMIMECTL_CA) is required");
  }

  @Test
  void certWithoutKey_orNonPositiveDeadline_isUsageError() throws Exception {
    Path ca = Files.writeString(dir.resolve("ca.pem"), "");

    Run half = run("list", "--ca", ca.toString(), "--cert", ca.toString());
    Run deadline = run("list", "--plaintext", "--deadline", "0");

    assertThat(half.exit()).isEqualTo(2);
    assertThat(half.err()).contains("--cert and --key go together");
    assertThat(deadline.exit()).isEqualTo(2);
    assertThat(deadline.err()).contains("--deadline must be positive");
  }

  @Test
  void caFromTheEnvironment_thatCannotBeRead_failsNamingTls() {
    Run r = run(Map.of("SMIMECTL_CA", dir.resolve("absent.pem").toString()), "list");

    assertThat(r.exit()).isNotZero().isNotEqualTo(2);
    assertThat(r.err()).isEqualTo("smimectl: cannot set up TLS: no such file: "
        + dir.resolve("absent.pem") + "\n");
  }

  /** Found by an outside trial: NOT_FOUND from the daemon (exit 1) for a usage slip. */
  @Test
  void anIdentityWhereAVersionBelongs_isUsageErrorNamingTheForm() {
    for (String command : new String[] {"csr", "activate", "disable", "public-key"}) {
      Run r = run(command, "after1@example.com", "--plaintext");
      assertThat(r.exit()).as(command).isEqualTo(2);
      assertThat(r.err()).as(command).contains("'after1@example.com' is not a key version:"
          + " give identity/vN, e.g. after1@example.com/v1 (smimectl list shows them)");
    }
  }

  /** Found by an officer trial: list of a version said "no key versions", exit 1. */
  @Test
  void aVersionWhereAnIdentityBelongs_isUsageErrorNamingTheIdentity() {
    Run r = run("list", "legacy@example.com/v1", "--plaintext");

    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("'legacy@example.com/v1' is a key version; list takes an"
        + " identity: legacy@example.com");
  }

  /** Found by an officer trial: "abc" was sent, and refused as "does not match". */
  @Test
  void aConfirmationThatIsNoFingerprint_isUsageError() {
    Run r = run("destroy", "after1@example.com/v1", "--confirm", "abc", "--plaintext");

    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("'abc' is not a SHA-256 fingerprint: give the 64 hex digits"
        + " 'smimectl list' (or 'smimectl token', for a version whose key is missing) shows");
    // With colons, as openssl x509 -fingerprint prints it, it passes the check (and then
    // fails to reach a daemon: not a usage error).
    Run colons = run("destroy", "after1@example.com/v1", "--confirm",
        String.join(":", java.util.Collections.nCopies(32, "AB")), "--plaintext",
        "--target", "127.0.0.1:1");
    assertThat(colons.exit()).isNotEqualTo(2);
  }

  /** Found by an outside trial: an empty --cert named the current directory. */
  @Test
  void emptyTlsFileOption_isUsageError() {
    Run r = run("list", "--ca", "", "--cert", "x", "--key", "y");

    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("--ca is empty: give a file (or leave the option out)");
  }

  /** Found by an outside trial: "smimed serve -V" and its like printed nothing. */
  @Test
  void everySubcommand_saysTheVersion() {
    String version = run("--version").out();
    assertThat(version).startsWith("smimectl ");
    for (String command : new String[] {"generate", "list", "token", "rotate"}) {
      Run r = run(command, "-V");
      assertThat(r.exit()).as(command).isZero();
      assertThat(r.out()).as(command).isEqualTo(version);
    }
  }
}
