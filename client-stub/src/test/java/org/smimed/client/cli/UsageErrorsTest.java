package org.smimed.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class UsageErrorsTest {
  /**
   * An error line may quote hostile input (a SignerInfo's issuer): ESC and invisible format
   * characters are shown, not obeyed (found by a security review: a forged "Verified" line).
   */
  @Test
  void oneLine_writesControlAndFormatCharactersAsEscapes() {
    String hostile =
        "signer 1 of 2 (serial 1 of CN=x\u001b[2K\u001b[1AVerified\u202e):\n not found";

    assertThat(UsageErrors.oneLine(hostile)).isEqualTo(
        "signer 1 of 2 (serial 1 of CN=x\\u001b[2K\\u001b[1AVerified\\u202e): not found");
  }

  @Test
  void oneLine_keepsOrdinaryTextAndLettersBeyondAscii() {
    assertThat(UsageErrors.oneLine("  Grüße,\tBob  ")).isEqualTo("Grüße, Bob");
  }
}
