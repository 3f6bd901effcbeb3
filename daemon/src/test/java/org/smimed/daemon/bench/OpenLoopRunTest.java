package org.smimed.daemon.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The open loop's latencies, too, are those of the successful calls, measured from their due
 * time; failed calls are counted by reason and not timed (see {@link LoadRunTest}).
 */
class OpenLoopRunTest {
    @Test
    void openLoop_timesOnlyTheSuccessfulCalls_andCountsTheFailedOnes() throws Exception {
        AtomicLong made = new AtomicLong();
        OpenLoopRun run = new OpenLoopRun(Duration.ZERO, Duration.ofMillis(400), 64);
        Prepared calls = new Prepared(() -> () -> { }, Optional.of(() -> {
            long n = made.incrementAndGet();
            return n % 4 != 0 ? CompletableFuture.completedFuture(null)
                    : CompletableFuture.runAsync(() -> everyFourthFails(n));
        }));

        Measurement m = run.run(Workload.SIGN_DIGEST, Mode.DAEMON_RATE, 1, 100.0, calls);

        // Calls = timed successes + failures (Measurement): a failure timed as well would
        // be counted twice, so the exact count shows the failures were not timed.
        assertThat(m.calls()).isEqualTo(made.get());
        assertThat(m.errors().byReason()).containsOnlyKeys("UNAVAILABLE");
        assertThat(m.errors().total()).isEqualTo(made.get() / 4);
    }

    /**
     * Blocking calls run on pool threads, bounded by the in-flight limit: a thread that has
     * just given back its slot but not yet returned to the pool must not get the next call
     * refused (run H crashed so, on the raw ECDSA token at 8,500 calls/s).
     */
    @Test
    void blockingCalls_atTheInFlightLimit_areNeverRefused() throws Exception {
        AtomicLong made = new AtomicLong();
        OpenLoopRun run = new OpenLoopRun(Duration.ZERO, Duration.ofMillis(500), 1);
        Prepared calls = new Prepared(() -> made::incrementAndGet, Optional.empty());

        Measurement m = run.run(Workload.SIGN_DIGEST, Mode.BASELINE_RATE, 1, 20_000.0, calls);

        assertThat(m.errors().total()).isZero();
        assertThat(m.calls()).isEqualTo(made.get()).isGreaterThan(100);
    }

    private static void everyFourthFails(long n) {
        if (n % 4 == 0) {
            throw Status.UNAVAILABLE.withDescription("deadline waited out").asRuntimeException();
        }
    }
}
