package org.smimed.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.smimed.client.CliRunner;
import org.smimed.client.TestPki;

/**
 * A message signed by several signers (OpenSSL, one -signer per key): every signer's
 * certificate must chain to a trust anchor, as {@code openssl cms -verify} requires. Only the
 * first signer's chain was validated, so a second signature by anyone's key passed unseen.
 */
class MultipleSignersTest {
  private static final String CONTENT = "Content-Type: text/plain\r\n\r\nTwo signatures.\r\n";

  @TempDir Path dir;
  private TestPki pki;

  @BeforeEach
  void setUp() throws Exception {
    pki = TestPki.withAlice(dir, CONTENT);
  }

  private Path signed(String from, Path secondCert, Path secondKey, String... options)
      throws Exception {
    var args = new java.util.ArrayList<>(java.util.List.of("cms", "-sign", "-in", "content.txt",
        "-from", from, "-signer", "alice.pem", "-inkey", "alice.key",
        "-signer", secondCert.toString(), "-inkey", secondKey.toString(), "-out", "signed.eml"));
    args.addAll(java.util.List.of(options));
    pki.openssl(args.toArray(String[]::new));
    return dir.resolve("signed.eml");
  }

  @Test
  void verify_twoSignersBothTrusted_verifiesReportingTheOneFromNames() throws Exception {
    pki.issueEmail("carol", "carol@example.com", "ec");
    // One of the two is second in the DER SET whatever the order: both must be found.
    for (String author : new String[] {"alice", "carol"}) {
      Path signed = signed(author + "@example.com", pki.cert("carol"), pki.key("carol"));

      var run = CliRunner.runOn("verify", signed, pki.caCert);

      assertThat(run.exit()).as(run.stderr()).isZero();
      String other = author.equals("alice") ? "carol" : "alice";
      // The other signature was checked too, and is said (found with CryptoSys's two-signer
      // example: only one signer was shown).
      assertThat(run.stderr()).contains("Verified: signer " + author + "@example.com")
          .contains("Verified: also signer " + other + "@example.com");
      var open = CliRunner.runOn("open", signed, pki.caCert);
      assertThat(open.stderr()).as(open.stderr()).contains(
          "signed by " + author + "@example.com and " + other + "@example.com (verified)");
    }
  }

  /** A failure that is one signer's says which, by its identifier when no certificate. */
  @Test
  void verify_secondSignersCertificateMissing_failsNamingItsIdentifier() throws Exception {
    pki.issueEmail("carol", "carol@example.com", "ec");
    Path signed = signed("alice@example.com", pki.cert("carol"), pki.key("carol"), "-nocerts");

    var run = CliRunner.runOn("verify", signed, pki.caCert, "--certfile",
        dir.resolve("alice.pem").toString());

    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.stderr()).containsPattern("^smime: signer [12] of 2 \\(serial [0-9a-f]+ of ")
        .contains("signer certificate is not in the message nor in --certfile")
        .hasLineCount(1);
  }

  /** Found by a review: mail by two authors, each signing, passes the strict sender check. */
  @Test
  void verify_twoAuthorsEachSigning_passesTheStrictSenderCheck() throws Exception {
    pki.issueEmail("carol", "carol@example.com", "ec");
    Path signed = signed("alice@example.com, carol@example.com", pki.cert("carol"),
        pki.key("carol"));

    var run = CliRunner.runOn("verify", signed, pki.caCert);

    assertThat(run.exit()).as(run.stderr()).isZero();
    assertThat(run.stderr()).contains("Verified: signer alice@example.com");
  }

  @Test
  void verify_secondSignerNotTrusted_failsNamingIt() throws Exception {
    TestPki other = TestPki.create(Files.createDirectory(dir.resolve("other")));
    other.issueEmail("mallory", "mallory@example.com", "rsa");
    Path signed = signed("alice@example.com", other.cert("mallory"), other.key("mallory"));

    var run = CliRunner.runOn("verify", signed, pki.caCert);

    assertThat(run.exit()).isEqualTo(1);
    // Which of the two comes first is OpenSSL's DER SET order, by encoding.
    assertThat(run.stderr()).containsPattern("^smime: signer [12] of 2 \\(")
        .contains("mallory@example.com").contains("not trusted").hasLineCount(1);
  }
}
