package org.smimed.daemon.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import java.security.ProviderException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

class FailuresTest {
    @Test
    void failures_areCountedByStatusCodeOrExceptionType_throughFutureWrappers() {
        Failures failures = new Failures();

        failures.record(Status.RESOURCE_EXHAUSTED.withDescription("33 calls\n  in flight")
                .asRuntimeException());
        failures.record(new CompletionException(Status.RESOURCE_EXHAUSTED
                .withDescription("later message").asException()));
        failures.record(new ExecutionException(Status.DEADLINE_EXCEEDED.asRuntimeException()));
        failures.record(new ProviderException("token said no"));

        Errors errors = failures.snapshot();
        assertThat(errors.total()).isEqualTo(4);
        assertThat(errors.csv())
                .isEqualTo("DEADLINE_EXCEEDED=1;ProviderException=1;RESOURCE_EXHAUSTED=2");
        assertThat(errors.text()).isEqualTo("4 (DEADLINE_EXCEEDED 1; ProviderException 1: token"
                + " said no; RESOURCE_EXHAUSTED 2: 33 calls in flight)");
    }

    @Test
    void noFailures_readAsZero_andALongMessageIsCut() {
        assertThat(new Failures().snapshot().text()).isEqualTo("0");
        assertThat(new Failures().snapshot().csv()).isEmpty();

        Failures failures = new Failures();
        failures.record(new IllegalStateException("x".repeat(500)));
        assertThat(failures.snapshot().text()).hasSize("1 (IllegalStateException 1: ".length()
                + 120 + "...)".length());
    }
}
