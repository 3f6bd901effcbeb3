package org.smimed.client;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.smimed.api.v1.KeyAlgorithm;

class HashAlgorithmTest {
  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({"KEY_ALGORITHM_RSA_2048, SHA256", "KEY_ALGORITHM_RSA_4096, SHA256",
      "KEY_ALGORITHM_EC_P256, SHA256", "KEY_ALGORITHM_EC_P384, SHA384",
      "KEY_ALGORITHM_EC_P521, SHA512", "KEY_ALGORITHM_ED25519, SHA512",
      "KEY_ALGORITHM_UNSPECIFIED, SHA256"})
  void defaultFor_followsTheKeyAsTheDaemonDoes(KeyAlgorithm keyAlgorithm,
      HashAlgorithm expected) {
    assertThat(HashAlgorithm.defaultFor(keyAlgorithm)).isEqualTo(expected);
  }
}
