package org.smimed.daemon.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The in-flight byte budgets: per caller, global, given back once, callers forgotten. */
class InFlightBytesTest {

    @Test
    void callerBudget_refusesTheChunkThatWouldOverflow_andChangesNothing() throws Exception {
        InFlightBytes budget = new InFlightBytes(100, 1000);
        try (var first = budget.open("CN=a"); var second = budget.open("CN=a")) {
            first.grow(60);

            assertThatThrownBy(() -> second.grow(41)).isInstanceOf(LimitExceededException.class)
                    .hasMessageContaining("limits.maxInFlightBytesPerCaller");
            assertThat(budget.total()).isEqualTo(60);
            second.grow(40);
            assertThat(budget.total()).isEqualTo(100);
        }
        assertThat(budget.total()).isZero();
    }

    @Test
    void globalBudget_isSharedByAllCallers() throws Exception {
        InFlightBytes budget = new InFlightBytes(100, 150);
        try (var a = budget.open("CN=a"); var b = budget.open("CN=b")) {
            a.grow(100);

            assertThatThrownBy(() -> b.grow(51)).isInstanceOf(LimitExceededException.class)
                    .hasMessageContaining("limits.maxInFlightBytes)");
            b.grow(50);
            a.release(30);
            assertThat(budget.total()).isEqualTo(120);
        }
        assertThat(budget.total()).isZero();
    }

    @Test
    void callerIsForgotten_whenItsLastCallCloses() throws Exception {
        InFlightBytes budget = new InFlightBytes(100, 1000);
        var first = budget.open("CN=a");
        var second = budget.open("CN=a");
        first.grow(10);
        first.close();
        first.close();

        assertThat(budget.callersTracked()).isEqualTo(1);
        second.close();
        assertThat(budget.callersTracked()).isZero();
        try (var again = budget.open("CN=a")) {
            again.grow(100);
        }
        assertThat(budget.total()).isZero();
    }

    @Test
    void manyCallersOpeningAndClosingAtOnce_leaveNothingBehind() throws Exception {
        InFlightBytes budget = new InFlightBytes(1_000_000, 100_000_000);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            int thread = t;
            done.add(pool.submit(() -> {
                for (int i = 0; i < 5_000; i++) {
                    try (var r = budget.open("CN=caller" + (i + thread) % 5)) {
                        r.grow(100);
                        r.release(50);
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : done) {
            f.get(60, TimeUnit.SECONDS);
        }
        pool.shutdown();

        assertThat(budget.total()).isZero();
        assertThat(budget.callersTracked()).isZero();
    }
}
