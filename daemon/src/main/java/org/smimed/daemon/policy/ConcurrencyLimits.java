package org.smimed.daemon.policy;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** Counts calls in flight per policy entry; a permit is given back exactly once. */
public final class ConcurrencyLimits {
    private final ConcurrentHashMap<String, AtomicInteger> inFlight = new ConcurrentHashMap<>();

    /** A call being counted; closing it ends the count (idempotent). */
    public interface Permit extends AutoCloseable {
        @Override
        void close();
    }

    /** A permit that counts nothing, for callers without a limit. */
    public static final Permit UNLIMITED = () -> { };

    /** Starts counting a call for {@code entry}, or returns null if {@code limit} is reached. */
    public Permit tryEnter(String entry, int limit) {
        AtomicInteger count = inFlight.computeIfAbsent(entry, k -> new AtomicInteger());
        while (true) {
            int now = count.get();
            if (now >= limit) {
                return null;
            }
            if (count.compareAndSet(now, now + 1)) {
                java.util.concurrent.atomic.AtomicBoolean open =
                        new java.util.concurrent.atomic.AtomicBoolean(true);
                return () -> {
                    if (open.getAndSet(false)) {
                        count.decrementAndGet();
                    }
                };
            }
        }
    }
}
