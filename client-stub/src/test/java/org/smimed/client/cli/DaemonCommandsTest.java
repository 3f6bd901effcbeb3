package org.smimed.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Grpc;
import io.grpc.Server;
import io.grpc.TlsServerCredentials;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.smimed.client.CliRunner;
import org.smimed.client.FakeDaemon;
import org.smimed.client.TestPki;

/** sign and decrypt through the CLI over real TLS on port 0, against the stand-in daemon. */
class DaemonCommandsTest {
  private static final String MESSAGE = "From: alice@example.com\nTo: bob@example.com\n"
      + "Subject: hi\n\nHello over TLS.\n";

  @TempDir Path dir;
  private TestPki pki;
  private Server server;
  private Map<String, String> env;

  @BeforeEach
  void setUp() throws Exception {
    pki = TestPki.create(dir);
    pki.issueEmail("alice", "alice@example.com", "rsa");
    pki.issueServer("server");
    var creds = TlsServerCredentials.create(pki.cert("server").toFile(),
        pki.key("server").toFile());
    server = new FakeDaemon(pki.privateKey("alice", "RSA"), pki.x509("alice"))
        .start(Grpc.newServerBuilderForPort(0, creds));
    env = Map.of("SMIME_TARGET", "localhost:" + server.getPort(),
        "SMIME_CA", pki.caCert.toString());
    Files.writeString(dir.resolve("in.eml"), MESSAGE);
  }

  @AfterEach
  void tearDown() {
    server.shutdownNow();
  }

  @Test
  void sign_overTls_producesMessageThatOpenSslVerifies() throws Exception {
    var run = CliRunner.run(MESSAGE.getBytes(StandardCharsets.US_ASCII), env,
        "sign", "--identity", "alice@example.com");

    assertThat(run.exit()).as(run.stderr()).isZero();
    assertThat(run.stderr()).isEmpty();
    Files.write(dir.resolve("signed.eml"), run.stdout());
    TestPki.Result r = pki.run("smime", "-verify", "-in", "signed.eml", "-CAfile", "ca.pem",
        "-out", "/dev/null");
    assertThat(r.exit()).as(r.stderr()).isZero();
  }

  @Test
  void signEncapsulatedWithSendContent_thenVerify_roundTrips() throws Exception {
    var signed = CliRunner.run(MESSAGE.getBytes(StandardCharsets.US_ASCII), env,
        "sign", "--identity", "alice@example.com", "--encapsulate", "--digest", "sha512");
    var verified = CliRunner.run(signed.stdout(), "verify", "--trust", pki.caCert.toString());

    assertThat(signed.exit()).as(signed.stderr()).isZero();
    assertThat(verified.exit()).as(verified.stderr()).isZero();
    assertThat(verified.stderr()).contains("Verified: signer alice@example.com");
  }

  @Test
  void decrypt_overTls_writesTheEntityOpenSslEncrypted() throws Exception {
    Files.writeString(dir.resolve("entity.txt"), "Content-Type: text/plain\r\n\r\nsecret\r\n");
    pki.openssl("smime", "-encrypt", "-aes256", "-binary", "-in", "entity.txt",
        "-out", "enc.eml", "alice.pem");
    Path out = dir.resolve("dec.txt");

    var run = CliRunner.run(new byte[0], env, "decrypt", "--in",
        dir.resolve("enc.eml").toString(), "--out", out.toString());

    assertThat(run.exit()).as(run.stderr()).isZero();
    assertThat(Files.readString(out)).isEqualTo("Content-Type: text/plain\r\n\r\nsecret\r\n");
  }

  @Test
  void decrypt_tamperedCiphertext_failsWithOneLineAndNoOutputFile() throws Exception {
    byte[] garbage = ("Content-Type: application/pkcs7-mime; smime-type=enveloped-data\n"
        + "Content-Transfer-Encoding: base64\n\nMIIBAAAAAAAA\n").getBytes();
    Path out = dir.resolve("dec.txt");

    var run = CliRunner.run(garbage, env, "decrypt", "--out", out.toString());

    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.stderr()).isEqualTo("smime: decryption failed (INVALID_ARGUMENT)\n");
    assertThat(out).doesNotExist();
    try (var files = Files.list(dir)) {
      assertThat(files).noneMatch(p -> p.getFileName().toString().endsWith(".part"));
    }
  }

  @Test
  void sign_serverNotTrusted_failsWithUnavailable() throws Exception {
    TestPki other = TestPki.create(Files.createDirectory(dir.resolve("other")));

    var run = CliRunner.run(MESSAGE.getBytes(), Map.of("SMIME_TARGET", env.get("SMIME_TARGET")),
        "sign", "--identity", "alice@example.com", "--ca", other.caCert.toString());

    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.stderr()).startsWith("smime: signing failed (UNAVAILABLE").hasLineCount(1);
  }
}
