package org.smimed.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.smimed.client.CliRunner;
import org.smimed.client.TestPki;

/**
 * A detached signature saved alone (.p7s, as CryptoSys's signedByCarlosDetached example and
 * document-signing tools write it) verifies over its content given with {@code --content}, as
 * {@code openssl cms -verify -content}: it could not be verified at all (found with that
 * example set).
 */
class DetachedSignatureTest {
  /** Any bytes, not only MIME: a detached signature covers the file exactly as it is. */
  private static final String CONTENT = "%PDF-1.7 not MIME at all\nline two\n";

  @TempDir Path dir;
  private TestPki pki;

  @BeforeEach
  void setUp() throws Exception {
    pki = TestPki.withAlice(dir, CONTENT);
  }

  private Path sign(String outform, String... extra) throws Exception {
    var args = new java.util.ArrayList<>(java.util.List.of("cms", "-sign", "-binary",
        "-in", "content.txt", "-signer", "alice.pem", "-inkey", "alice.key",
        "-outform", outform, "-out", "signature.p7s"));
    args.addAll(java.util.List.of(extra));
    pki.openssl(args.toArray(String[]::new));
    return dir.resolve("signature.p7s");
  }

  @Test
  void verify_detachedSignatureWithItsContent_verifiesAndWritesTheContent() throws Exception {
    for (String outform : new String[] {"DER", "PEM"}) {
      Path signature = sign(outform);
      Path out = dir.resolve("content." + outform);

      var run = CliRunner.runOn("verify", signature, pki.caCert, "--content",
          dir.resolve("content.txt").toString(), "--out", out.toString());

      assertThat(run.exit()).as(outform + ": " + run.stderr()).isZero();
      assertThat(run.stderr()).contains("Verified: signer alice@example.com");
      assertThat(Files.readString(out, StandardCharsets.ISO_8859_1)).isEqualTo(CONTENT);
    }
  }

  @Test
  void verify_detachedSignatureWithOtherContent_failsAsAMismatch() throws Exception {
    Path signature = sign("DER");
    Path other = Files.writeString(dir.resolve("other.txt"), CONTENT.replace("two", "2"));

    var run = CliRunner.runOn("verify", signature, pki.caCert, "--content", other.toString());

    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.stderr()).isEqualTo("smime: signature does not match the content\n");
  }

  @Test
  void verify_detachedSignatureAlone_saysToGiveTheContent() throws Exception {
    var run = CliRunner.runOn("verify", sign("DER"), pki.caCert);

    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.stderr()).contains("a detached signature, verified with the content it"
        + " signs (smime verify --content)");
  }

  @Test
  void verify_contentGivenForAnEncapsulatedSignature_isRefused() throws Exception {
    Path signature = sign("DER", "-nodetach");

    var run = CliRunner.runOn("verify", signature, pki.caCert, "--content",
        dir.resolve("content.txt").toString());

    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.stderr()).isEqualTo("smime: the signature carries its content"
        + " (encapsulated): verify it without --content\n");
  }

  @Test
  void verify_contentFileMissing_namesIt() throws Exception {
    var run = CliRunner.runOn("verify", sign("DER"), pki.caCert, "--content",
        dir.resolve("absent.txt").toString());

    assertThat(run.exit()).isNotZero();
    assertThat(run.stderr()).contains("cannot read --content").contains("absent.txt");
  }
}
