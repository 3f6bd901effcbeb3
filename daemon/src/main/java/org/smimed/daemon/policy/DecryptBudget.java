package org.smimed.daemon.policy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;

/**
 * Counts decrypt calls per policy entry over a rolling minute, by the injected clock. A call
 * over the entry's budget is refused and not counted.
 */
public final class DecryptBudget {
    private static final Duration WINDOW = Duration.ofMinutes(1);

    private final Clock clock;
    private final Map<String, Deque<Instant>> recent = new HashMap<>();

    public DecryptBudget(Clock clock) {
        this.clock = clock;
    }

    /** Counts one decrypt for {@code entry}, or returns false if its budget is used up. */
    public synchronized boolean tryCharge(String entry, int perMinute) {
        Instant now = clock.instant();
        Deque<Instant> times = recent.computeIfAbsent(entry, k -> new ArrayDeque<>());
        while (!times.isEmpty() && !times.peekFirst().isAfter(now.minus(WINDOW))) {
            times.pollFirst();
        }
        if (times.size() >= perMinute) {
            return false;
        }
        times.addLast(now);
        return true;
    }
}
