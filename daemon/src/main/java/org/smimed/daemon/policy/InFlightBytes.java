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
 * when its {@link Reservation} closes; a caller is forgotten when its last reservation closes,
 * so the table holds only callers with calls in flight.
 */
public final class InFlightBytes {
    private final long perCaller;
    private final long total;
    private final AtomicLong all = new AtomicLong();
    private final ConcurrentHashMap<String, Account> byCaller = new ConcurrentHashMap<>();

    /** One caller's bytes in flight and how many of its reservations are open. */
    private static final class Account {
        final AtomicLong bytes = new AtomicLong();
        int open; // changed only inside ConcurrentHashMap.compute for this caller's key
    }

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
        private final String caller;
        private final AtomicLong mine;
        private long held;
        private boolean closed;

        private Reservation(String caller, AtomicLong mine) {
            this.caller = caller;
            this.mine = mine;
        }

        /** Adds {@code bytes} to this call, or refuses naming the budget that would overflow. */
        public synchronized void grow(long bytes) throws LimitExceededException {
            if (!tryAdd(mine, bytes, perCaller)) {
                throw new LimitExceededException(LimitExceededException.Limit.IN_FLIGHT_BYTES,
                        "too many bytes in flight for this caller: over "
                        + perCaller + " (limits.maxInFlightBytesPerCaller); retry later");
            }
            if (!tryAdd(all, bytes, total)) {
                mine.addAndGet(-bytes);
                throw new LimitExceededException(LimitExceededException.Limit.IN_FLIGHT_BYTES,
                        "too many bytes in flight in the daemon: over "
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
            if (!closed) {
                closed = true;
                byCaller.computeIfPresent(caller, (k, account) -> --account.open == 0
                        ? null : account);
            }
        }
    }

    /** A new, empty reservation for a call of the caller named {@code caller}. */
    public Reservation open(String caller) {
        Account account = byCaller.compute(caller, (k, existing) -> {
            Account a = existing == null ? new Account() : existing;
            a.open++;
            return a;
        });
        return new Reservation(caller, account.bytes);
    }

    /**
     * The most one call, or one caller's calls together, can ever hold: the smaller of the two
     * budgets.
     */
    public long largestReservation() {
        return Math.min(perCaller, total);
    }

    /** Callers with at least one reservation open (for tests). */
    int callersTracked() {
        return byCaller.size();
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
