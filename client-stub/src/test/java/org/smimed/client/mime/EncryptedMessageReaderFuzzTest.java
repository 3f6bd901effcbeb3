package org.smimed.client.mime;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import org.junit.jupiter.api.Test;
import org.smimed.client.testing.Mutations;

/**
 * Fuzz target: an encrypted message (what {@code smime decrypt} reads) into the header parser
 * and body decoder that feed the daemon. The contract: the CMS bytes, or a
 * {@link SmimeOperationException} (not an encrypted message, bad Content-Type) or an
 * {@link IOException} (undecodable base64; the CLI reports it as a failure); never another
 * exception, never more than the header limit buffered, never a hang.
 */
class EncryptedMessageReaderFuzzTest {
  static final int GENERATED = 1500;

  @FuzzTest(maxDuration = "10m")
  void cmsStream(byte[] message) {
    check(message);
  }

  @Test
  void generatedInputs_giveTheCmsOrATypedFailure() {
    Mutations mutations = new Mutations(8, Mutations.corpus(getClass(), "cmsStream"));
    int accepted = 0;
    for (int i = 0; i < GENERATED; i++) {
      accepted += check(mutations.next()) ? 1 : 0;
    }
    // Both outcomes occur: code refusing everything (or nothing) would pass check alone.
    assertThat(accepted).as("inputs read as CMS").isPositive().isLessThan(GENERATED);
  }

  /** Whether {@code message} gave its CMS; anything else must be a typed failure. */
  static boolean check(byte[] message) {
    try (InputStream cms = EncryptedMessageReader.cmsStream(new ByteArrayInputStream(message))) {
      assertThat(cms.readAllBytes().length).isLessThanOrEqualTo(message.length);
      return true;
    } catch (SmimeOperationException | IOException e) {
      assertThat(e.getMessage()).isNotBlank();
      return false;
    }
  }
}
