package org.smimed.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SigningRequestTest {
  @Test
  void encapsulatedDigest_isRefusedBeforeAnyCall() {
    assertThatThrownBy(() -> new SigningRequest("a@b", null,
        new SigningRequest.Digest(HashAlgorithm.SHA256, new byte[32]), true, null, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("encapsulated signing needs the content, not a digest");
  }

  @Test
  void digestOfWrongLength_isRefusedBeforeAnyCall() {
    assertThatThrownBy(() -> SigningRequest.ofDigest("a@b", HashAlgorithm.SHA384, new byte[32]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("48 bytes");
  }

  /** The daemon refuses such a pair; the stub refuses to build it (it never sent one). */
  @Test
  void hashAlgorithmOtherThanTheDigests_isRefusedBeforeAnyCall() {
    assertThatThrownBy(() -> new SigningRequest("a@b", null,
        new SigningRequest.Digest(HashAlgorithm.SHA256, new byte[32]), false, null,
        HashAlgorithm.SHA512))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("hashAlgorithm SHA512 disagrees with the digest's algorithm SHA256: leave it"
            + " null for a digest, or give the same");
  }

  @Test
  void hashAlgorithmEqualToTheDigests_isAccepted() {
    SigningRequest request = new SigningRequest("a@b", null, new SigningRequest.Digest(
        HashAlgorithm.SHA256, new byte[32]), false, null, HashAlgorithm.SHA256);

    assertThat(request.hashAlgorithm()).isEqualTo(HashAlgorithm.SHA256);
    assertThat(request.digest().algorithm()).isEqualTo(HashAlgorithm.SHA256);
  }
}
