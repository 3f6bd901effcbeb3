package org.smimed.daemon.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Asynchronous callers keep exactly N calls outstanding, count every call, time only the
 * successful ones (like {@link LoadRunTest}), and survive calls that fail before the wire.
 */
class AsyncLoadRunTest {
    @Test
    void callers_keepAtMostNCallsOutstanding_andCountEveryCall() throws Exception {
        ExecutorService transport = Executors.newFixedThreadPool(4);
        try {
            AtomicInteger outstanding = new AtomicInteger();
            AtomicInteger most = new AtomicInteger();
            AtomicLong made = new AtomicLong();
            AsyncLoadRun run = new AsyncLoadRun(Duration.ZERO, Duration.ZERO, 50);

            Measurement m = run.run(Workload.SIGN_DIGEST, Mode.DAEMON, 3, () -> {
                made.incrementAndGet();
                most.accumulateAndGet(outstanding.incrementAndGet(), Math::max);
                return CompletableFuture.runAsync(() -> outstanding.decrementAndGet(),
                        transport);
            });

            assertThat(m.calls()).isEqualTo(150);
            assertThat(made.get()).isEqualTo(150);
            assertThat(m.errors().total()).isZero();
            assertThat(most.get()).isBetween(1, 3);
        } finally {
            transport.shutdownNow();
        }
    }

    @Test
    void closedLoop_timesOnlyTheSuccessfulCalls_andCountsTheFailedOnes() throws Exception {
        AtomicLong made = new AtomicLong();
        AsyncLoadRun run = new AsyncLoadRun(Duration.ZERO, Duration.ZERO, 20);

        Measurement m = run.run(Workload.SIGN_DIGEST, Mode.DAEMON, 2, () -> {
            long n = made.incrementAndGet();
            return CompletableFuture.runAsync(() -> everyFourthFails(n));
        });

        // Calls = timed successes + failures (Measurement): a failure timed as well would
        // be counted twice, so the exact count shows the failures were not timed.
        assertThat(m.calls()).isEqualTo(40);
        assertThat(m.errors().byReason()).containsOnlyKeys("UNAVAILABLE");
        // Every fourth call fails: 10 of 40 (a test review: calls - succeeded restated how
        // succeeded is computed).
        assertThat(m.errors().total()).isEqualTo(10);
        assertThat(m.succeeded()).isEqualTo(30);
    }

    /**
     * A closed channel fails every call as it is started: a duration-bound run must still end
     * on time, count the refusals, and not overflow the stack.
     */
    @Test
    void callsRefusedBeforeTheWire_endWithTheRun_andAreCounted() throws Exception {
        AsyncLoadRun run = new AsyncLoadRun(Duration.ZERO, Duration.ofMillis(300), 0);

        Measurement m = run.run(Workload.SIGN_DIGEST, Mode.DAEMON, 4, () -> {
            throw Status.UNAVAILABLE.withDescription("channel shut down").asRuntimeException();
        });

        assertThat(m.succeeded()).isZero();
        assertThat(m.errors().byReason()).containsOnlyKeys("UNAVAILABLE");
        assertThat(m.calls()).isEqualTo(m.errors().total()).isGreaterThan(20);
    }

    private static void everyFourthFails(long n) {
        if (n % 4 == 0) {
            throw Status.UNAVAILABLE.withDescription("deadline waited out").asRuntimeException();
        }
    }
}
