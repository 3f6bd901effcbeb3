package org.smimed.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.smimed.client.CliRunner;
import org.smimed.client.TestPki;

/**
 * Certificate dates are judged at the time of verification, for the signer and for the trust
 * anchor (found by an interop trial: an expired self-signed certificate given as --trust
 * verified new signatures, since PKIX never checks an anchor's dates and Bouncy Castle judged
 * the signer at the signingTime the signer wrote — or not at all without one; and an expired
 * signer was reported as "signature does not match the content").
 */
class SignerValidityTest {
  private static final String CONTENT = "Content-Type: text/plain\r\n\r\nDated.\r\n";

  @TempDir Path dir;
  private TestPki pki;

  @BeforeEach
  void setUp() throws Exception {
    pki = TestPki.create(dir);
    Files.writeString(dir.resolve("content.txt"), CONTENT);
  }

  @Test
  void selfSignedSignerAsTrustAnchor_verifiesWhileValid_andIsRefusedOnceExpired()
      throws Exception {
    pki.openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
        "-nodes", "-keyout", "self.key", "-out", "self.pem", "-days", "2",
        "-subj", "/CN=self", "-addext", "subjectAltName=email:self@example.com",
        "-addext", "keyUsage=critical,digitalSignature",
        "-addext", "extendedKeyUsage=emailProtection");
    Path signed = sign("self.pem", "self.key", "self@example.com");

    assertThat(verifyAt(Duration.ZERO, signed, "self.pem").exit()).isZero();
    var late = verifyAt(Duration.ofDays(10), signed, "self.pem");

    assertThat(late.exit()).isEqualTo(1);
    assertThat(late.stderr()).startsWith("smime: signer certificate has expired (not after ")
        .hasLineCount(1);
  }

  @Test
  void expiredTrustAnchor_vouchesForNothing() throws Exception {
    // A CA for one day issuing alice for two: after a day and a half, alice is valid and
    // her CA is not.
    pki.openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "short.key",
        "-out", "short.pem", "-days", "1", "-subj", "/CN=Short CA",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign");
    issueSigner("alice", "short.pem", "short.key", 2);
    Path signed = sign("alice.pem", "alice.key", "alice@example.com");

    assertThat(verifyAt(Duration.ZERO, signed, "short.pem").exit()).isZero();
    var late = verifyAt(Duration.ofHours(36), signed, "short.pem");

    assertThat(late.exit()).isEqualTo(1);
    assertThat(late.stderr()).startsWith("smime: trusted CA CN=Short CA has expired (not after ")
        .hasLineCount(1);
  }

  /** Found by a review: an expired root must not hide its renewal (same name, same key). */
  @Test
  void renewedRootBesideItsExpiredPredecessor_stillVouches() throws Exception {
    pki.openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048",
        "-out", "root.key");
    for (String[] root : new String[][] {{"old-root.pem", "1"}, {"new-root.pem", "30"}}) {
      pki.openssl("req", "-x509", "-key", "root.key", "-out", root[0], "-days", root[1],
          "-subj", "/CN=Renewed CA", "-addext", "basicConstraints=critical,CA:TRUE",
          "-addext", "keyUsage=critical,keyCertSign,cRLSign");
    }
    issueSigner("bob", "new-root.pem", "root.key", 20);
    Files.writeString(dir.resolve("roots.pem"), Files.readString(dir.resolve("old-root.pem"))
        + Files.readString(dir.resolve("new-root.pem")));
    Path signed = sign("bob.pem", "bob.key", "bob@example.com");

    var run = verifyAt(Duration.ofDays(3), signed, "roots.pem");

    assertThat(run.exit()).as(run.stderr()).isZero();
  }

  /** NAME.pem/NAME.key: an RSA signing certificate for NAME@example.com from the given CA. */
  private void issueSigner(String name, String caCert, String caKey, int days)
      throws Exception {
    pki.openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048",
        "-out", name + ".key");
    pki.openssl("req", "-new", "-key", name + ".key", "-subj", "/CN=" + name, "-out",
        name + ".csr");
    Files.writeString(dir.resolve(name + ".ext"), "subjectAltName=email:" + name
        + "@example.com\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=emailProtection\n");
    pki.openssl("x509", "-req", "-in", name + ".csr", "-CA", caCert, "-CAkey", caKey,
        "-CAcreateserial", "-days", String.valueOf(days), "-extfile", name + ".ext", "-out",
        name + ".pem");
  }

  private Path sign(String cert, String key, String from) throws Exception {
    pki.openssl("cms", "-sign", "-in", "content.txt", "-signer", cert, "-inkey", key,
        "-from", from, "-out", "signed.eml");
    return dir.resolve("signed.eml");
  }

  private CliRunner.Run verifyAt(Duration later, Path message, String trust) {
    Clock clock = Clock.fixed(Instant.now().plus(later), ZoneOffset.UTC);
    return CliRunner.runAt(clock, new byte[0], Map.of(), "verify", "--in", message.toString(),
        "--trust", dir.resolve(trust).toString());
  }
}
