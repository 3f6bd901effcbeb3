package org.smimed.daemon.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;
import org.smimed.api.v1.ErrorReason;
import org.smimed.client.SmimeClientException;
import org.smimed.daemon.policy.LimitExceededException;
import org.smimed.daemon.policy.LimitExceededException.Limit;

class StatusMapperTest {
    private static final StatusMapper STATUSES = new StatusMapper(Clock.systemUTC());

    /**
     * Found by an operator trial: a stream cut off by the end of a drain was logged SEVERE as
     * an internal error, which trips alerts; another replica can take the call.
     */
    @Test
    void callInterruptedWhileTheDaemonStops_isUnavailable_notInternal() {
        var direct = STATUSES.toStatus(new InterruptedException());
        var wrapped = STATUSES.toStatus(new ExecutionException(
                new RuntimeException(new InterruptedException("sleep interrupted"))));

        assertThat(direct.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(direct.getStatus().getDescription()).isEqualTo("the daemon is stopping;"
                + " retry");
        assertThat(wrapped.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(STATUSES.toStatus(new IllegalStateException("bug")).getStatus()
                .getCode()).isEqualTo(Status.Code.INTERNAL);
    }

    /**
     * A refusal that knows when its limit frees says so in a google.rpc.RetryInfo, which the
     * Java client reads back (a Python client trial found no backoff hint); one that does not
     * know gives none.
     */
    @Test
    void decryptBudgetRefusal_carriesRetryInfo_otherLimitsDoNot() {
        var budget = STATUSES.toStatus(new LimitExceededException(
                Limit.DECRYPT_BUDGET, "decrypt budget used up", Duration.ofSeconds(41)));
        var concurrency = STATUSES.toStatus(new LimitExceededException(
                Limit.CONCURRENT_CALLS, "too many concurrent calls"));

        var told = new SmimeClientException(budget.getStatus(), budget.getTrailers());
        assertThat(told.code()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        assertThat(told.reason()).hasValue(ErrorReason.DECRYPT_BUDGET_EXHAUSTED);
        assertThat(told.retryDelay()).hasValue(Duration.ofSeconds(41));
        var untold = new SmimeClientException(concurrency.getStatus(), concurrency.getTrailers());
        assertThat(untold.reason()).hasValue(ErrorReason.CONCURRENT_CALLS_EXHAUSTED);
        assertThat(untold.retryDelay()).isEmpty();
    }
}
