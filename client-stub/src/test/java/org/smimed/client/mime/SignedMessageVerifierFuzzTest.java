package org.smimed.client.mime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.List;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.smimed.client.testing.Mutations;

/**
 * Fuzz target: a signed message (what {@code smime verify} reads) into MIME parsing, SignedData
 * parsing and verification. The contract: a {@link Verification} whose content is what was
 * signed, or a {@link SmimeOperationException}; never another exception or a hang. The corpus
 * was signed once with {@code openssl cms -sign} by certificates of the fixed fuzz CA.
 */
class SignedMessageVerifierFuzzTest {
  static final int GENERATED = 2500;
  static final Path CORPUS =
      Path.of("src/test/resources/org/smimed/client/mime/"
          + "SignedMessageVerifierFuzzTestInputs/verify");
  static List<X509Certificate> anchors;
  static SignedMessageVerifier verifier;

  @BeforeAll
  static void anchors() throws Exception {
    anchors = Certificates.read(Path.of("src/test/resources/org/smimed/client/mime/fuzz/ca.crt"));
    verifier = new SignedMessageVerifier(new BouncyCastleProvider(), anchors,
        SenderCheck.STRICT, Clock.systemUTC());
  }

  @FuzzTest(maxDuration = "10m")
  void verify(byte[] message) {
    check(message);
  }

  @Test
  void generatedInputs_getAVerificationOrATypedFailure() {
    Mutations mutations = new Mutations(8, Mutations.corpus(getClass(), "verify"));
    int verified = 0;
    for (int i = 0; i < GENERATED; i++) {
      verified += check(mutations.next()) ? 1 : 0;
    }
    // Both outcomes occur: a verifier refusing everything (or nothing) would pass check alone.
    assertThat(verified).as("inputs that verified").isPositive().isLessThan(GENERATED);
  }

  @ParameterizedTest
  @ValueSource(strings = {"multipart-rsa.eml", "opaque-rsa.eml", "multipart-ec.eml",
      "multipart-pss.eml"})
  void corpusMessages_verify(String file) throws Exception {
    Verification v = verifier.verify(Files.readAllBytes(CORPUS.resolve(file)));

    assertThat(new String(v.content(), java.nio.charset.StandardCharsets.US_ASCII))
        .isEqualTo("Content-Type: text/plain\r\n\r\nhello fuzz\r\n");
  }

  @Test
  void oneCertificateOverTheLimit_isRefusedNamingIt() {
    SignedMessageVerifier strict = new SignedMessageVerifier(new BouncyCastleProvider(), anchors,
        SenderCheck.STRICT, Clock.systemUTC(), new VerifyLimits(16, 1, 40, 256));

    assertThatThrownBy(() -> strict.verify(Files.readAllBytes(CORPUS.resolve("multipart-rsa.eml"))))
        .isInstanceOf(SmimeOperationException.class)
        .hasMessage("signed-data carries 2 certificates, more than the limit of 1"
            + " (VerifyLimits.maxCertificates)");
  }

  @Test
  void oneSignerOverTheLimit_isRefusedNamingIt() {
    SignedMessageVerifier strict = new SignedMessageVerifier(new BouncyCastleProvider(), anchors,
        SenderCheck.STRICT, Clock.systemUTC(), new VerifyLimits(1, 64, 40, 256));

    assertThatThrownBy(() -> strict.verify(Files.readAllBytes(CORPUS.resolve("two-signers.eml"))))
        .isInstanceOf(SmimeOperationException.class)
        .hasMessage("signed-data has 2 signers, more than the limit of 1"
            + " (VerifyLimits.maxSigners)");
  }

  @ParameterizedTest
  @ValueSource(strings = {"nasty-deep.eml", "nasty-indefinite-bomb.eml"})
  void nestingBombs_areRefusedNamingTheDepthLimit(String file) {
    assertThatThrownBy(() -> verifier.verify(Files.readAllBytes(CORPUS.resolve(file))))
        .isInstanceOf(SmimeOperationException.class)
        .hasMessage("ASN.1 nesting is deeper than 40 levels (VerifyLimits.maxAsn1Depth)");
  }

  /** Whether {@code message} verified; every signed input of the corpus signed this content. */
  static boolean check(byte[] message) {
    try {
      Verification v = verifier.verify(message);
      assertThat(new String(v.content(), java.nio.charset.StandardCharsets.US_ASCII))
          .isEqualTo("Content-Type: text/plain\r\n\r\nhello fuzz\r\n");
      assertThat(v.signerEmails()).isNotEmpty();
      return true;
    } catch (SmimeOperationException e) {
      assertThat(e.getMessage()).isNotBlank();
      return false;
    } catch (Exception e) {
      throw new AssertionError("unexpected " + e, e);
    }
  }
}
