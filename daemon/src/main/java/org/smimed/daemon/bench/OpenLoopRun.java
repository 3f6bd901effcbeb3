package org.smimed.daemon.bench;

import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;
import org.smimed.daemon.threads.DaemonThreads;

/**
 * Issues calls on a fixed schedule, whatever the answers do: call {@code i} is due at
 * {@code start + i / rate}, and its latency is measured from that due time, not from when it
 * was actually sent (successful calls only; failures are counted by reason). A slow answer
 * therefore cannot hold back the next calls and hide its own queueing (coordinated omission,
 * as wrk2 and HdrHistogram describe it): if the daemon or this client falls behind, the
 * lateness shows up in the latencies. Unary calls are started
 * asynchronously by the schedule thread; others run on a pool that grows to
 * {@code maxInFlight} threads. Either way the schedule is only held up when that many calls
 * are outstanding at once. Bounded by construction: it stops issuing after the warm-up and
 * the measured duration, then waits for the calls still in flight (each has its deadline).
 */
final class OpenLoopRun {
    private static final long MAX_LATENCY_MICROS = TimeUnit.MINUTES.toMicros(5);

    private final Duration warmUp;
    private final Duration duration;
    private final int maxInFlight;

    OpenLoopRun(Duration warmUp, Duration duration, int maxInFlight) {
        this.warmUp = warmUp;
        this.duration = duration;
        this.maxInFlight = maxInFlight;
    }

    /**
     * Calls the workload at {@code rate} calls/s: started by the schedule thread itself when it
     * has an asynchronous form (unary calls), else each on a pool thread with its own blocking
     * operation, as a closed-loop worker has.
     *
     * @param mode {@link Mode#DAEMON_RATE} for the daemon, {@link Mode#BASELINE_RATE} for the
     *             raw token
     * @param concurrency reported with the result: the closed-loop level the rate derives from
     */
    Measurement run(Workload workload, Mode mode, int concurrency, double rate, Prepared calls)
            throws InterruptedException {
        ThreadLocal<Operation> perThread = ThreadLocal.withInitial(calls.operations());
        Histogram latencies = new ConcurrentHistogram(MAX_LATENCY_MICROS, 3);
        // Written by the schedule thread only.
        Histogram sendLags = new Histogram(MAX_LATENCY_MICROS, 3);
        Failures failures = new Failures();
        AtomicLong lastEnd = new AtomicLong();
        Semaphore slots = new Semaphore(maxInFlight);
        // The slots bound the calls in flight; the pool itself is unbounded because a thread
        // gives its slot back a moment before it is idle again, and a pool capped at
        // maxInFlight then refused the next call (run H: the raw ECDSA token at 8,500/s).
        ExecutorService pool = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 30,
                TimeUnit.SECONDS, new SynchronousQueue<>(), new DaemonThreads("bench-open-loop"));
        long start = System.nanoTime();
        long measureFrom = start + warmUp.toNanos();
        long end = measureFrom + duration.toNanos();
        try {
            for (long i = 0; ; i++) {
                long due = start + (long) (i * 1e9 / rate);
                if (due >= end) {
                    break;
                }
                sleepUntil(due);
                slots.acquire();
                boolean counted = due >= measureFrom;
                if (counted) {
                    sendLags.recordValue(Math.min(MAX_LATENCY_MICROS,
                            Math.max(0, System.nanoTime() - due) / 1000));
                }
                if (calls.async().isPresent()) {
                    start(calls.async().get()).whenComplete((answer, failure) -> {
                        record(due, counted, failure, latencies, failures, lastEnd);
                        slots.release();
                    });
                    continue;
                }
                pool.execute(() -> {
                    try {
                        call(perThread.get(), due, counted, latencies, failures, lastEnd);
                    } finally {
                        slots.release();
                    }
                });
            }
            slots.acquire(maxInFlight);
        } finally {
            pool.shutdownNow();
        }
        double seconds = (Math.max(lastEnd.get(), end) - measureFrom) / 1e9;
        return Measurement.openLoop(workload, mode, concurrency, latencies, sendLags,
                failures.snapshot(), seconds, rate);
    }

    private static java.util.concurrent.CompletableFuture<?> start(AsyncOperation operation) {
        try {
            return operation.start();
        } catch (RuntimeException e) {
            return java.util.concurrent.CompletableFuture.failedFuture(e);
        }
    }

    private static void call(Operation operation, long due, boolean counted, Histogram latencies,
                             Failures failures, AtomicLong lastEnd) {
        Exception failure = null;
        try {
            operation.call();
        } catch (Exception e) {
            failure = e;
        }
        record(due, counted, failure, latencies, failures, lastEnd);
    }

    private static void record(long due, boolean counted, Throwable failure,
                               Histogram latencies, Failures failures, AtomicLong lastEnd) {
        if (!counted) {
            return;
        }
        long now = System.nanoTime();
        // Only successful calls have a latency: a failure's time (a deadline, a refusal at
        // once) says nothing about how fast the daemon answers; it is counted by reason.
        if (failure == null) {
            latencies.recordValue(Math.min(MAX_LATENCY_MICROS, Math.max(0, now - due) / 1000));
        } else {
            failures.record(failure);
        }
        lastEnd.accumulateAndGet(now, Math::max);
    }

    /**
     * Waits until {@code nanoTime} with the operating system's timer precision (tens of
     * microseconds). Not Thread.sleep: on Java 17 it rounds to whole milliseconds, so at a few
     * thousand calls/s the schedule issued its calls in bursts up to 1 ms late, and that
     * lateness counted in every latency.
     */
    private static void sleepUntil(long nanoTime) throws InterruptedException {
        long left;
        while ((left = nanoTime - System.nanoTime()) > 0) {
            LockSupport.parkNanos(left);
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
        }
    }
}
