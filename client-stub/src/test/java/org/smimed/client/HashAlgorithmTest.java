package org.smimed.client;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HashAlgorithmTest {
  /** The key algorithm names are the daemon's KeyAlgorithm values without their prefix. */
  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({"RSA_2048, SHA256", "RSA_4096, SHA256", "EC_P256, SHA256", "EC_P384, SHA384",
      "EC_P521, SHA512", "ED25519, SHA512", "UNSPECIFIED, SHA256"})
  void defaultFor_followsTheKeyAsTheDaemonDoes(String keyAlgorithm, HashAlgorithm expected) {
    assertThat(HashAlgorithm.defaultFor(keyAlgorithm)).isEqualTo(expected);
  }
}
