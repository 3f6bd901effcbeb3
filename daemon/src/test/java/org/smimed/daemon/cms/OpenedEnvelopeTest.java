package org.smimed.daemon.cms;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** What of a message's recipient identifiers reaches the operator's log line. */
class OpenedEnvelopeTest {
    /** The sender chooses the issuer name: no forged second log line, no megabyte line. */
    @Test
    void valuesFromTheMessage_areEscapedAndCapped() {
        assertThat(OpenedEnvelope.shown("CN=x\nSEVERE: forged")).isEqualTo(
                "CN=x\\u000aSEVERE: forged");
        assertThat(OpenedEnvelope.shown("O=" + "y".repeat(5000))).hasSize(203).endsWith("...");
        assertThat(OpenedEnvelope.shown("CN=Example CA,O=Example")).isEqualTo(
                "CN=Example CA,O=Example");
    }
}
