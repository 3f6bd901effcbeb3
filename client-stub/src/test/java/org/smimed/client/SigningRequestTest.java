package org.smimed.client;

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
}
