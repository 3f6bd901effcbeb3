package org.smimed.daemon.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.smimed.daemon.testing.MutableClock;

class DecryptBudgetTest {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-03T12:00:00Z"));
    private final DecryptBudget budget = new DecryptBudget(clock);

    @Test
    void overTheBudget_isRefused_untilTheOldestDecryptLeavesTheMinute() {
        assertThat(budget.tryCharge("svc", 2)).isEmpty();
        clock.advance(Duration.ofSeconds(10));
        assertThat(budget.tryCharge("svc", 2)).isEmpty();
        clock.advance(Duration.ofSeconds(10));

        // The first decrypt, 20 s ago, leaves the rolling minute in 40 s.
        assertThat(budget.tryCharge("svc", 2)).hasValue(Duration.ofSeconds(40));
        assertThat(budget.tryCharge("other", 2)).as("each entry its own budget").isEmpty();
        clock.advance(Duration.ofSeconds(39));
        assertThat(budget.tryCharge("svc", 2)).hasValue(Duration.ofSeconds(1));
        clock.advance(Duration.ofSeconds(1));
        assertThat(budget.tryCharge("svc", 2)).as("a refusal was not counted").isEmpty();
    }

    /** A reload may lower the budget below what the minute holds: wait until enough left. */
    @Test
    void aLoweredBudget_waitsUntilEnoughDecryptsLeftTheMinute() {
        for (int i = 0; i < 3; i++) {
            assertThat(budget.tryCharge("svc", 5)).isEmpty();
            clock.advance(Duration.ofSeconds(10));
        }

        // Decrypts at 0, 10 and 20 s; now 30 s. One fits when two have left: at 70 s.
        assertThat(budget.tryCharge("svc", 1)).hasValue(Duration.ofSeconds(50));
    }
}
