package org.smimed.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.smimed.client.CliRunner;
import org.smimed.client.TestPki;

/**
 * What smime says when it cannot connect, or cannot write, for a reason the user can fix:
 * each found by a CLI review, where the message was gRPC's or the JDK's and named no option.
 */
class ConnectionErrorsTest {
  private static final byte[] MESSAGE = "Subject: x\n\nhello\n".getBytes();

  @TempDir
  Path dir;

  @Test
  void aTargetGrpcCannotRead_isAUsageErrorNamingTarget() {
    var run = CliRunner.run(MESSAGE, "sign", "--plaintext", "--identity", "a@example.com",
        "--target", "bad target::");

    assertThat(run.exit()).isEqualTo(2);
    assertThat(run.stderr()).contains("--target (or SMIME_TARGET) 'bad target::' is not"
        + " host:port");
  }

  @Test
  void targets_gRpcReads_passTheCheck() {
    for (String good : new String[] {"localhost:8443", "[::1]:8443", "10.0.0.1:1, b:2",
        "dns:///smimed.example:8443"}) {
      assertThat(ConnectionSettings.badTarget(good)).as(good).isNull();
    }
    for (String bad : new String[] {"bad target::", "a:1,", ":8443", "host", "[::1]"}) {
      assertThat(ConnectionSettings.badTarget(bad)).as(bad).isNotNull();
    }
    assertThat(ConnectionSettings.badTarget("smimed.example"))
        .isEqualTo("'smimed.example' names no port");
  }

  @Test
  void aCaFileThatIsNotPem_saysSoInOneLine() throws Exception {
    Path notPem = Files.writeString(dir.resolve("ca.txt"), "not a certificate\n");

    var run = CliRunner.run(MESSAGE, "sign", "--identity", "a@example.com",
        "--ca", notPem.toString(), "--target", "localhost:1");

    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.stderr()).isEqualTo("smime: cannot set up TLS: no certificate in " + notPem
        + "\n");
  }

  /** Found in review: the check must take every CA file gRPC takes, text around it too. */
  @Test
  void aCaBundleWithCommentsInLatin1_isTaken() throws Exception {
    var pki = TestPki.create(dir);
    Path bundle = dir.resolve("bundle.pem");
    Files.write(bundle, "# Zertifizierungsstelle f\u00fcr Tests\n".getBytes(
        java.nio.charset.StandardCharsets.ISO_8859_1));
    Files.write(bundle, Files.readAllBytes(pki.caCert),
        java.nio.file.StandardOpenOption.APPEND);

    var run = CliRunner.run(MESSAGE, "sign", "--identity", "a@example.com",
        "--ca", bundle.toString(), "--target", "localhost:1", "--deadline", "5");

    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.stderr()).doesNotContain("cannot set up TLS").contains("UNAVAILABLE");
  }

  /** The admin listener serves KeyAdminService alone; every smime call is UNIMPLEMENTED. */
  @Test
  void theAdminPort_asTarget_getsAHint() throws Exception {
    Server admin = Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create()).build()
        .start();
    try {
      var run = CliRunner.run(MESSAGE, "sign", "--plaintext", "--identity", "a@example.com",
          "--target", "localhost:" + admin.getPort());

      assertThat(run.exit()).isEqualTo(1);
      assertThat(run.stderr().lines().toList().get(1)).contains("UNIMPLEMENTED")
          .endsWith("is --target the daemon's admin port (admin.listen)? smime calls its"
              + " client port (listen); or the daemon is older than this client");
    } finally {
      admin.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void outInADirectoryThatIsNotThere_namesTheDirectory() throws Exception {
    var pki = TestPki.create(dir);
    pki.issueEmail("bob", "bob@example.com", "ec");
    Path in = Files.write(dir.resolve("m.eml"), MESSAGE);
    Path out = dir.resolve("missing").resolve("m.p7m");

    var run = CliRunner.run(new byte[0], "encrypt", "--in", in.toString(), "--out",
        out.toString(), "--recipient", pki.cert("bob").toString());

    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.stderr()).isEqualTo("smime: cannot write output " + out
        + ": no such directory " + out.getParent() + "\n");
  }

  @Test
  void aRecipientFileThatIsNotThere_saysNoSuchFile() throws Exception {
    Path in = Files.write(dir.resolve("m.eml"), MESSAGE);
    Path missing = dir.resolve("bob.pem");

    var run = CliRunner.run(new byte[0], "encrypt", "--in", in.toString(),
        "--recipient", missing.toString());

    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.stderr()).contains("cannot read certificates from " + missing
        + ": no such file");
  }
}
