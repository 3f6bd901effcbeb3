package org.smimed.daemon.policy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

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

    /**
     * Counts one decrypt for {@code entry} and returns empty; or, when its budget is used up,
     * counts nothing and returns how long until one more fits: until the oldest decrypt of
     * the window leaves it. A caller told when may wait that long rather than retry blind.
     */
    public synchronized Optional<Duration> tryCharge(String entry, int perMinute) {
        Instant now = clock.instant();
        Deque<Instant> times = recent.computeIfAbsent(entry, k -> new ArrayDeque<>());
        while (!times.isEmpty() && !times.peekFirst().isAfter(now.minus(WINDOW))) {
            times.pollFirst();
        }
        if (times.size() >= perMinute) {
            // The budget may have shrunk below what the window holds (a policy reload): then
            // the wait is until enough have left, the (size - perMinute + 1)th oldest.
            Instant frees = times.stream().skip(times.size() - perMinute).findFirst()
                    .orElse(now.minus(WINDOW)).plus(WINDOW);
            return Optional.of(Duration.between(now, frees));
        }
        times.addLast(now);
        return Optional.empty();
    }
}
