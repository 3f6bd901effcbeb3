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

    @Test
    void waitingCalls_areAdmittedInArrivalOrder_asBytesComeBack() throws Exception {
        InFlightBytes budget = new InFlightBytes(1000, 200);
        List<String> admitted = new ArrayList<>();
        var holder = budget.open("CN=a");
        holder.grow(200);
        var first = budget.open("CN=b");
        var second = budget.open("CN=c");
        budget.growWhenRoom(first, 100, () -> admitted.add("first"));
        budget.growWhenRoom(second, 100, () -> admitted.add("second"));
        assertThat(admitted).isEmpty();
        assertThat(budget.waiting()).isEqualTo(2);

        holder.release(100);
        assertThat(admitted).containsExactly("first");
        holder.close();
        assertThat(admitted).containsExactly("first", "second");
        assertThat(budget.total()).isEqualTo(200);
        assertThat(budget.waiting()).isZero();
        first.close();
        second.close();
        assertThat(budget.total()).isZero();
    }

    @Test
    void aWaiterHeldBackByItsOwnCallersBudget_doesNotHoldBackAnotherCaller() throws Exception {
        InFlightBytes budget = new InFlightBytes(100, 1000);
        List<String> admitted = new ArrayList<>();
        var holder = budget.open("CN=a");
        holder.grow(100);
        budget.growWhenRoom(budget.open("CN=a"), 100, () -> admitted.add("a"));
        budget.growWhenRoom(budget.open("CN=b"), 100, () -> admitted.add("b"));

        assertThat(admitted).containsExactly("b");
        holder.close();
        assertThat(admitted).containsExactly("b", "a");
    }

    @Test
    void noMoreWaitThanTheBudgetsCouldAdmitAtOnce() throws Exception {
        InFlightBytes budget = new InFlightBytes(200, 300);
        var holder = budget.open("CN=a");
        holder.grow(200);
        var other = budget.open("CN=b");
        other.grow(100);
        budget.growWhenRoom(budget.open("CN=a"), 100, () -> { });
        budget.growWhenRoom(budget.open("CN=a"), 100, () -> { });

        assertThatThrownBy(() -> budget.growWhenRoom(budget.open("CN=a"), 100, () -> { }))
                .isInstanceOf(LimitExceededException.class)
                .hasMessage("too many calls waiting for in-flight bytes for this caller: 2"
                        + " waiting already, as many as its 200 bytes"
                        + " (limits.maxInFlightBytesPerCaller) admit at once; retry later");
        budget.growWhenRoom(budget.open("CN=b"), 100, () -> { });
        assertThatThrownBy(() -> budget.growWhenRoom(budget.open("CN=c"), 100, () -> { }))
                .isInstanceOf(LimitExceededException.class)
                .hasMessageContaining("3 waiting already, as many as its 300 bytes"
                        + " (limits.maxInFlightBytes) admit at once");
        assertThatThrownBy(() -> budget.growWhenRoom(budget.open("CN=c"), 201, () -> { }))
                .isInstanceOf(LimitExceededException.class)
                .hasMessageContaining("limits.maxInFlightBytesPerCaller");
        assertThat(budget.waiting()).isEqualTo(3);
    }

    @Test
    void aWithdrawnOrClosedWaiter_isNeverGrown() throws Exception {
        InFlightBytes budget = new InFlightBytes(1000, 300);
        List<String> admitted = new ArrayList<>();
        var holder = budget.open("CN=a");
        holder.grow(300);
        var withdrawn = budget.open("CN=b");
        var w = budget.growWhenRoom(withdrawn, 100, () -> admitted.add("withdrawn"));
        var closed = budget.open("CN=c");
        budget.growWhenRoom(closed, 100, () -> admitted.add("closed"));
        var last = budget.open("CN=d");
        budget.growWhenRoom(last, 100, () -> admitted.add("last"));

        assertThat(w.withdraw()).isTrue();
        assertThat(w.withdraw()).isFalse();
        closed.close();
        holder.release(100);
        assertThat(admitted).containsExactly("last");
        assertThat(budget.total()).isEqualTo(300);
        holder.close();
        last.close();
        assertThat(budget.total()).isZero();
        assertThat(budget.waiting()).isZero();
    }

    @Test
    void aCallThatFitsAndFindsNobodyWaiting_isAdmittedAtOnce() throws Exception {
        InFlightBytes budget = new InFlightBytes(100, 1000);
        List<String> admitted = new ArrayList<>();
        try (var r = budget.open("CN=a")) {
            var w = budget.growWhenRoom(r, 100, () -> admitted.add("now"));

            assertThat(admitted).containsExactly("now");
            assertThat(w.withdraw()).isFalse();
            assertThat(budget.total()).isEqualTo(100);
        }
    }
}
