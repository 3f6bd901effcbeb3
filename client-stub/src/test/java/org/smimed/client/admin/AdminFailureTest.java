package org.smimed.client.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import org.junit.jupiter.api.Test;

/** What smimectl says of a failed call, where the daemon's own words are not enough. */
class AdminFailureTest {
  /** Found by an officer trial: the daemon killed under a generate, which it had made. */
  @Test
  void aConnectionThatBrokeUnderTheCall_saysAChangeMayHaveBeenMade() {
    AdminFailure broken = AdminFailure.of(Status.UNAVAILABLE
        .withDescription("Network closed for unknown reason").asRuntimeException());
    AdminFailure refused = AdminFailure.of(Status.UNAVAILABLE
        .withDescription("io exception: Connection refused: localhost/127.0.0.1:8444")
        .asRuntimeException());

    assertThat(broken.getMessage()).isEqualTo("Network closed for unknown reason (UNAVAILABLE);"
        + " the connection broke before the daemon answered: if this was a change, it may have"
        + " been made: check with 'smimectl list' before trying again");
    assertThat(AdminFailure.of(Status.UNAVAILABLE.withDescription(
        "Network closed for unknown reason").asRuntimeException(), true).getMessage())
        .endsWith("; the connection closed before the daemon answered: the daemon's listeners"
            + " speak TLS, drop --plaintext");
    assertThat(refused.getMessage()).doesNotContain("may have been made")
        .contains("nothing listens at --target");
  }
}
