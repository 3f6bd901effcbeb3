package org.smimed.client;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.smimed.api.v1.DigestAlgorithm;
import org.smimed.api.v1.Identity;
import org.smimed.api.v1.KeyAlgorithm;

/** An identity's hash: the daemon's word when it says one, else its rule applied here. */
class IdentityHashTest {
  @Test
  void theDaemonsDigestAlgorithm_isTheIdentitysHash() {
    Identity named = Identity.newBuilder().setKeyAlgorithm(KeyAlgorithm.KEY_ALGORITHM_RSA_2048)
        .setDigestAlgorithm(DigestAlgorithm.DIGEST_ALGORITHM_SHA512).build();

    assertThat(SmimeClient.hash(named)).isEqualTo(HashAlgorithm.SHA512);
  }

  @Test
  void fromADaemonOlderThanTheField_theHashFollowsTheKey() {
    assertThat(SmimeClient.hash(Identity.newBuilder()
        .setKeyAlgorithm(KeyAlgorithm.KEY_ALGORITHM_EC_P384).build()))
        .isEqualTo(HashAlgorithm.SHA384);
    assertThat(SmimeClient.hash(Identity.newBuilder()
        .setKeyAlgorithm(KeyAlgorithm.KEY_ALGORITHM_ED25519).build()))
        .isEqualTo(HashAlgorithm.SHA512);
    assertThat(SmimeClient.hash(Identity.newBuilder()
        .setKeyAlgorithm(KeyAlgorithm.KEY_ALGORITHM_RSA_2048).build()))
        .isEqualTo(HashAlgorithm.SHA256);
  }
}
