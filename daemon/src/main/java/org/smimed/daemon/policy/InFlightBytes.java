package org.smimed.daemon.policy;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
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
 *
 * <p>A call that may wait ({@link #growWhenRoom}) is admitted in arrival order as bytes are
 * given back: a waiter that only its own caller's budget holds back does not hold back another
 * caller's. At most as many calls wait, per caller and in total, as the budgets could admit at
 * once, so waiting calls are bounded too (each may hold a stream window of unread request in
 * transport memory).
 */
public final class InFlightBytes {
    private final long perCaller;
    private final long total;
    private final AtomicLong all = new AtomicLong();
    private final ConcurrentHashMap<String, Account> byCaller = new ConcurrentHashMap<>();
    /** Calls waiting for room, oldest first; guarded by itself. */
    private final ArrayDeque<Waiting> waiting = new ArrayDeque<>();
    /**
     * How many wait, read without the lock on every release: a waiter counts itself before it
     * tries its bytes, and a releaser gives bytes back before it reads this, so one of the two
     * always sees the other (both are sequentially consistent atomics).
     */
    private final AtomicInteger waitingCount = new AtomicInteger();

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
        public void grow(long bytes) throws LimitExceededException {
            switch (tryGrow(bytes)) {
                case ADDED -> { }
                case CALLER_FULL -> throw new LimitExceededException("too many bytes in flight"
                        + " for this caller: over " + perCaller
                        + " (limits.maxInFlightBytesPerCaller); retry later");
                case DAEMON_FULL, CLOSED -> throw new LimitExceededException("too many bytes in"
                        + " flight in the daemon: over " + total
                        + " (limits.maxInFlightBytes); retry later");
            }
        }

        private synchronized Fit tryGrow(long bytes) {
            if (closed) {
                return Fit.CLOSED;
            }
            if (!tryAdd(mine, bytes, perCaller)) {
                return Fit.CALLER_FULL;
            }
            if (!tryAdd(all, bytes, total)) {
                mine.addAndGet(-bytes);
                return Fit.DAEMON_FULL;
            }
            held += bytes;
            return Fit.ADDED;
        }

        /** Gives back {@code bytes} this call no longer holds (at most what it holds). */
        public void release(long bytes) {
            synchronized (this) {
                long given = Math.min(bytes, held);
                mine.addAndGet(-given);
                all.addAndGet(-given);
                held -= given;
            }
            admitWaiting();
        }

        /** Gives back everything this call held (idempotent). */
        @Override
        public void close() {
            synchronized (this) {
                mine.addAndGet(-held);
                all.addAndGet(-held);
                held = 0;
                if (!closed) {
                    closed = true;
                    byCaller.computeIfPresent(caller, (k, account) -> --account.open == 0
                            ? null : account);
                }
            }
            admitWaiting(); // outside this lock: admitting takes the queue's, then others'
        }
    }

    /** Whether bytes were added to a reservation, or which budget kept them out. */
    private enum Fit { ADDED, CALLER_FULL, DAEMON_FULL, CLOSED }

    /** A call waiting for room; {@link #withdraw} takes it out of the line. */
    public final class Waiting {
        private final Reservation reservation;
        private final long bytes;
        private final Runnable admitted;
        private boolean queued; // guarded by the queue

        private Waiting(Reservation reservation, long bytes, Runnable admitted) {
            this.reservation = reservation;
            this.bytes = bytes;
            this.admitted = admitted;
        }

        /**
         * Leaves the line: true if this call was still waiting (its bytes are not added and
         * {@code admitted} will not run), false if it was admitted already.
         */
        public boolean withdraw() {
            synchronized (waiting) {
                if (!queued) {
                    return false;
                }
                queued = false;
                waiting.remove(this);
                waitingCount.decrementAndGet();
                return true;
            }
        }
    }

    /**
     * Adds {@code bytes} to {@code reservation} as soon as both budgets have room and every
     * earlier waiter that fits has been admitted, then runs {@code admitted} (at once on this
     * thread if there is room now, otherwise on the thread that gave the room back).
     * Refused if {@code bytes} can never fit, or if as many calls as the budgets could admit
     * at once already wait (for this caller, or in all).
     */
    public Waiting growWhenRoom(Reservation reservation, long bytes, Runnable admitted)
            throws LimitExceededException {
        if (bytes <= 0) {
            throw new IllegalArgumentException("a waiting call needs bytes: " + bytes);
        }
        if (bytes > largestReservation()) {
            reservation.grow(bytes); // refused, naming the smaller budget
        }
        Waiting w = new Waiting(reservation, bytes, admitted);
        synchronized (waiting) {
            long mine = waiting.stream().filter(o -> o.reservation.caller.equals(
                    reservation.caller)).count();
            if (mine >= perCaller / bytes) {
                throw new LimitExceededException("too many calls waiting for in-flight bytes for"
                        + " this caller: " + mine + " waiting already, as many as its " + perCaller
                        + " bytes (limits.maxInFlightBytesPerCaller) admit at once; retry later");
            }
            if (waiting.size() >= total / bytes) {
                throw new LimitExceededException("too many calls waiting for in-flight bytes in"
                        + " the daemon: " + waiting.size() + " waiting already, as many as its "
                        + total + " bytes (limits.maxInFlightBytes) admit at once; retry later");
            }
            w.queued = true;
            waiting.addLast(w);
            waitingCount.incrementAndGet();
        }
        admitWaiting();
        return w;
    }

    /** Admits, oldest first, every waiting call that fits now; runs their callbacks unlocked. */
    private void admitWaiting() {
        if (waitingCount.get() == 0) {
            return;
        }
        List<Waiting> admitted = new ArrayList<>();
        synchronized (waiting) {
            for (Iterator<Waiting> it = waiting.iterator(); it.hasNext(); ) {
                Waiting w = it.next();
                Fit fit = w.reservation.tryGrow(w.bytes);
                if (fit == Fit.ADDED || fit == Fit.CLOSED) {
                    it.remove();
                    waitingCount.decrementAndGet();
                    w.queued = false;
                    if (fit == Fit.ADDED) {
                        admitted.add(w);
                    }
                } else if (fit == Fit.DAEMON_FULL) {
                    break; // nobody later fits either, nor jumps the line
                }
            }
        }
        admitted.forEach(w -> w.admitted.run());
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

    /** The most one call can ever hold: the smaller of the two budgets. */
    public long largestReservation() {
        return Math.min(perCaller, total);
    }

    /** Callers with at least one reservation open (for tests). */
    int callersTracked() {
        return byCaller.size();
    }

    /** Calls waiting for room now (for tests). */
    int waiting() {
        return waitingCount.get();
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
