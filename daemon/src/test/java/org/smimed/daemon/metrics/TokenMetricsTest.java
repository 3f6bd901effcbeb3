package org.smimed.daemon.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.smimed.daemon.token.TokenMechanism;

class TokenMetricsTest {
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final TokenMetrics metrics = new TokenMetrics(registry);

    @Test
    void measure_countsTheSessionAsInUseOnlyWhileTheOperationRuns() {
        double during = metrics.measure(TokenMechanism.ECDSA_SIGN,
                () -> registry.get("smimed.token.sessions.in.use").gauge().value());

        assertThat(during).isEqualTo(1.0);
        assertThat(registry.get("smimed.token.sessions.in.use").gauge().value()).isZero();
    }

    @Test
    void measure_recordsFailuresApart_andRethrowsThemUnchanged() {
        IllegalStateException failure = new IllegalStateException("token said no");

        assertThatThrownBy(() -> metrics.measure(TokenMechanism.RSA_X509_DECRYPT, () -> {
            throw failure;
        })).isSameAs(failure);
        metrics.measure(TokenMechanism.RSA_X509_DECRYPT, () -> "ok");

        assertThat(registry.get("smimed.token.operation").tag("mechanism", "CKM_RSA_X_509")
                .tag("operation", "decrypt").tag("outcome", "error").timer().count())
                .isEqualTo(1);
        assertThat(registry.get("smimed.token.operation").tag("outcome", "ok").timer().count())
                .isEqualTo(1);
        assertThat(registry.get("smimed.token.sessions.in.use").gauge().value()).isZero();
    }
}
