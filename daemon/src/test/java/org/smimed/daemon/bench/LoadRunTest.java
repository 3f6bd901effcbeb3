package org.smimed.daemon.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Latency percentiles describe the calls that succeeded; failed calls are counted, by reason,
 * and not timed. Found by an outside trial: calls that waited out a deadline before failing
 * made the percentiles of a run whose calls/s (successes only) looked fine.
 */
class LoadRunTest {
    @Test
    void closedLoop_timesOnlyTheSuccessfulCalls_andCountsTheFailedOnes() throws Exception {
        AtomicLong made = new AtomicLong();
        LoadRun run = new LoadRun(Duration.ZERO, Duration.ZERO, 20);

        Measurement m = run.run(Workload.SIGN_DIGEST, Mode.DAEMON, 2,
                () -> () -> everyFourthFails(made.incrementAndGet()));

        // Calls = timed successes + failures (Measurement): a failure timed as well would
        // be counted twice, so the exact count shows the failures were not timed.
        assertThat(m.calls()).isEqualTo(40);
        assertThat(m.errors().total()).isEqualTo(10);
        assertThat(m.succeeded()).isEqualTo(30);
    }

    /**
     * Without a warm-up, --calls N is N calls per caller, no more. Found by CI: a caller could
     * make one unmeasured call before the run told it to measure, and a replica got 6 of 10.
     */
    @Test
    void withoutWarmUp_everyCallIsMeasured_soEachCallerMakesExactlyItsCount() throws Exception {
        for (int attempt = 0; attempt < 50; attempt++) {
            AtomicLong made = new AtomicLong();
            LoadRun run = new LoadRun(Duration.ZERO, Duration.ZERO, 1);

            Measurement m = run.run(Workload.SIGN_DIGEST, Mode.DAEMON, 8,
                    () -> made::incrementAndGet);

            assertThat(made.get()).as("attempt %d", attempt).isEqualTo(8);
            assertThat(m.calls()).isEqualTo(8);
        }
    }

    private static void everyFourthFails(long n) {
        if (n % 4 == 0) {
            throw Status.UNAVAILABLE.withDescription("deadline waited out").asRuntimeException();
        }
    }
}
