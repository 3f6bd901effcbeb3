package org.smimed.client.mime;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.Test;
import org.smimed.client.testing.Mutations;

/**
 * Fuzz target: a message to sign or encrypt (what {@code smime sign}/{@code encrypt} read) into
 * {@link MimeInput}. The contract: any bytes split into outer fields and an inner entity that
 * starts with a Content-Type field and re-parses to the same fields; never an exception or a
 * hang.
 */
class MimeInputFuzzTest {
  static final int GENERATED = 2000;

  @FuzzTest(maxDuration = "10m")
  void parse(byte[] message) {
    check(message);
  }

  @Test
  void generatedInputs_alwaysSplitIntoOuterFieldsAndAnEntity() {
    Mutations mutations = new Mutations(8, Mutations.corpus(getClass(), "parse"));
    for (int i = 0; i < GENERATED; i++) {
      check(mutations.next());
    }
  }

  static void check(byte[] message) {
    MimeInput input = MimeInput.parse(message);
    byte[] entity = input.entity();
    byte[] sevenBit = input.sevenBitEntity();
    assertThat(HeaderBlock.parse(entity).headers()).anyMatch(h -> h.is("Content-Type"));
    assertThat(HeaderBlock.parse(sevenBit).headers()).anyMatch(h -> h.is("Content-Type"));
  }
}
