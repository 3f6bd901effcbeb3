package org.smimed.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.smimed.client.CliRunner;
import org.smimed.client.TestPki;

/**
 * A correspondent's own certificate given as --trust (pinning it, common practice) vouches for
 * that correspondent's signatures only. Found by a new-user trial: PKIX asks nothing of a trust
 * anchor, so alice's end-entity certificate certified one alice's key had issued for any
 * address, and that passed the sender check; OpenSSL refuses it ("invalid CA certificate").
 */
class TrustedLeafTest {
  @TempDir Path dir;
  private TestPki pki;

  @BeforeEach
  void setUp() throws Exception {
    pki = TestPki.withAlice(dir, "Content-Type: text/plain\r\n\r\nPinned.\r\n");
  }

  @Test
  void aTrustedLeaf_verifiesItsOwnSignatures() throws Exception {
    pki.openssl("cms", "-sign", "-in", "content.txt", "-signer", "alice.pem", "-inkey",
        "alice.key", "-from", "alice@example.com", "-out", "alice.eml");

    var run = verify("alice.eml", "alice.pem");

    assertThat(run.exit()).as(run.stderr()).isZero();
    assertThat(run.stderr()).startsWith("Verified: signer alice@example.com");
  }

  @Test
  void aTrustedLeaf_vouchesForNoCertificateItsKeyIssued() throws Exception {
    // Bob's certificate, issued with alice's key under alice's name, alice's beside it.
    pki.openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048",
        "-out", "bob.key");
    pki.openssl("req", "-new", "-key", "bob.key", "-subj", "/CN=bob", "-out", "bob.csr");
    Files.writeString(dir.resolve("bob.ext"), "subjectAltName=email:bob@example.com\n"
        + "keyUsage=critical,digitalSignature\nextendedKeyUsage=emailProtection\n");
    pki.openssl("x509", "-req", "-in", "bob.csr", "-CA", "alice.pem", "-CAkey", "alice.key",
        "-CAcreateserial", "-days", "2", "-extfile", "bob.ext", "-out", "bob.pem");
    pki.openssl("cms", "-sign", "-in", "content.txt", "-signer", "bob.pem", "-inkey",
        "bob.key", "-certfile", "alice.pem", "-from", "bob@example.com", "-out", "bob.eml");

    var pinned = verify("bob.eml", "alice.pem");
    var rooted = verify("bob.eml", "ca.pem");

    assertThat(pinned.exit()).isEqualTo(1);
    assertThat(pinned.stderr()).startsWith("smime: signer certificate not trusted: its issuer"
        + " EMAILADDRESS=alice@example.com,CN=alice is trusted, but as an end entity, not a CA")
        .hasLineCount(1);
    assertThat(rooted.exit()).as("alice is no CA under the real root either").isEqualTo(1);
    assertThat(rooted.stderr()).startsWith("smime: signer certificate not trusted");
  }

  private CliRunner.Run verify(String message, String trust) {
    return CliRunner.runAt(Clock.systemUTC(), new byte[0], Map.of(), "verify", "--in",
        dir.resolve(message).toString(), "--trust", dir.resolve(trust).toString());
  }
}
