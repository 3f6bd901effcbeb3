package org.smimed.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What the client refuses before sending anything. Found by a client trial: a 5 MiB
 * decryptMessage came back RESOURCE_EXHAUSTED "gRPC message exceeds maximum size", without the
 * way out the javadoc promised; a null identity was a bare NullPointerException; results
 * printed "[B@…" in logs.
 */
class UnaryLimitTest {
  /** Nothing listens here: a call that left the client would fail UNAVAILABLE. */
  private final ManagedChannel nowhere = ManagedChannelBuilder.forTarget("localhost:1")
      .usePlaintext().build();
  private final SmimeClient client = new SmimeClient(nowhere);

  @AfterEach
  void close() {
    nowhere.shutdownNow();
  }

  @Test
  void aMessageOrContentOverFourMebibytes_isRefusedBeforeItIsSent_namingTheWayOut() {
    byte[] large = new byte[SmimeClient.UNARY_LIMIT + 1];

    SmimeClientException decrypt = catchThrowableOfType(
        () -> client.decryptMessage(null, large), SmimeClientException.class);
    SmimeClientException sign = catchThrowableOfType(() -> client.sign(
        SigningRequest.ofContent("a@b.example", large, false, null)),
        SmimeClientException.class);

    assertThat(decrypt.code()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(decrypt.description()).isEqualTo("message is 4194305 bytes, more than the"
        + " 4194304 one request carries: use decrypt, which streams");
    assertThat(sign.code()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(sign.description()).endsWith("use signStream, or send its digest");
  }

  @Test
  void aMissingIdentity_isAnIllegalArgument() {
    assertThatThrownBy(() -> client.signBatch(null, HashAlgorithm.SHA256, List.of()))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> client.getIdentity(null))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("identity is required");
  }

  @Test
  void aSignResultInALog_showsSizes() {
    assertThat(new SignResult(new byte[3], new byte[5], "a@b.example/v1", "sha-256"))
        .hasToString("SignResult[signedData=3 bytes, certificate=5 bytes,"
            + " keyVersion=a@b.example/v1, micalg=sha-256]");
  }
}
