package org.smimed.daemon.policy;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts the request bytes the daemon holds for calls in flight, per caller and in total, so one
 * caller cannot take the memory every other caller needs, and all callers together cannot take
 * more than the heap was sized for.
 *
 * <p>Guarantee: a reservation that would take a caller past its budget, or everyone past the
 * global budget, is refused and changes nothing; every byte reserved is given back exactly once
 * when its {@link Reservation} closes.
 */
public final class InFlightBytes {
    private final long perCaller;
    private final long total;
    private final AtomicLong all = new AtomicLong();
    private final ConcurrentHashMap<String, AtomicLong> byCaller = new ConcurrentHashMap<>();

    /**
     * @param perCaller limits.maxInFlightBytesPerCaller
     * @param total     limits.maxInFlightBytes
     */
    public InFlightBytes(long perCaller, long total) {
        this.perCaller = perCaller;
        this.total = total;
    }

    /**
     * The bytes one call holds; grows chunk by chunk as they arrive, shrinks as a streaming
     * consumer finishes with them, and whatever is left is released when it closes.
     */
    public final class Reservation implements AutoCloseable {
        private final AtomicLong mine;
        private long held;

        private Reservation(AtomicLong mine) {
            this.mine = mine;
        }

        /** Adds {@code bytes} to this call, or refuses naming the budget that would overflow. */
        public synchronized void grow(long bytes) throws LimitExceededException {
            if (!tryAdd(mine, bytes, perCaller)) {
                throw new LimitExceededException("too many bytes in flight for this caller: over "
                        + perCaller + " (limits.maxInFlightBytesPerCaller); retry later");
            }
            if (!tryAdd(all, bytes, total)) {
                mine.addAndGet(-bytes);
                throw new LimitExceededException("too many bytes in flight in the daemon: over "
                        + total + " (limits.maxInFlightBytes); retry later");
            }
            held += bytes;
        }

        /** Gives back {@code bytes} this call no longer holds (at most what it holds). */
        public synchronized void release(long bytes) {
            long given = Math.min(bytes, held);
            mine.addAndGet(-given);
            all.addAndGet(-given);
            held -= given;
        }

        /** Gives back everything this call held (idempotent). */
        @Override
        public synchronized void close() {
            mine.addAndGet(-held);
            all.addAndGet(-held);
            held = 0;
        }
    }

    /** A new, empty reservation for a call of the caller named {@code caller}. */
    public Reservation open(String caller) {
        return new Reservation(byCaller.computeIfAbsent(caller, k -> new AtomicLong()));
    }

    /** Bytes held by all calls now (for tests and metrics). */
    public long total() {
        return all.get();
    }

    private static boolean tryAdd(AtomicLong counter, long bytes, long limit) {
        while (true) {
            long now = counter.get();
            if (now + bytes > limit) {
                return false;
            }
            if (counter.compareAndSet(now, now + bytes)) {
                return true;
            }
        }
    }
}
