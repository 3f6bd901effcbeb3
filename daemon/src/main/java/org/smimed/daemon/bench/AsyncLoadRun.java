package org.smimed.daemon.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import org.HdrHistogram.Histogram;
import org.smimed.daemon.threads.DaemonThreads;

/**
 * A closed loop like {@link LoadRun}, but its N callers are N calls kept outstanding by their
 * own completion callbacks rather than N blocked threads: when a caller's answer arrives, the
 * transport thread that delivered it records the latency and starts that caller's next call.
 * This is how an asynchronous service (or a load generator such as ghz) keeps N calls going,
 * and it spares the caller two thread wake-ups per call (transport thread to caller thread,
 * caller thread back to the transport), CPU that on a small machine the token would
 * otherwise have had. Still closed: each caller waits for its answer before its next call.
 * Bounded by construction: callers stop starting calls after the measured time (or call
 * count), and each call has its deadline.
 */
final class AsyncLoadRun {
    private static final long MAX_LATENCY_MICROS = LoadRun.MAX_LATENCY_MICROS;

    private final Duration warmUp;
    private final Duration duration;
    private final long callsPerCaller;

    /** @param callsPerCaller if positive, stop after this many calls instead of after {@code duration} */
    AsyncLoadRun(Duration warmUp, Duration duration, long callsPerCaller) {
        this.warmUp = warmUp;
        this.duration = duration;
        this.callsPerCaller = callsPerCaller;
    }

    Measurement run(Workload workload, Mode mode, int callers, AsyncOperation operation)
            throws InterruptedException {
        Failures failures = new Failures();
        CountDownLatch finished = new CountDownLatch(callers);
        ExecutorService restarts = Executors.newSingleThreadExecutor(
                new DaemonThreads("bench-restart"));
        List<Caller> all = new ArrayList<>();
        for (int i = 0; i < callers; i++) {
            all.add(new Caller(operation, failures, finished, restarts));
        }
        all.forEach(c -> restarts.execute(c::next));
        long warmEnd = System.nanoTime() + warmUp.toNanos();
        LoadRun.sleepUntil(warmEnd);
        all.forEach(Caller::startMeasuring);
        long start = System.nanoTime();
        if (callsPerCaller <= 0) {
            LoadRun.sleepUntil(start + duration.toNanos());
            all.forEach(Caller::stop);
        }
        finished.await();
        restarts.shutdown();
        long lastEnd = all.stream().mapToLong(c -> c.end).max().orElse(0);
        double seconds = (Math.max(lastEnd, start) - start) / 1e9;
        Histogram latencies = new Histogram(MAX_LATENCY_MICROS, 3);
        for (Caller c : all) {
            synchronized (c) {
                latencies.add(c.latencies);
            }
        }
        return Measurement.of(workload, mode, callers, latencies, failures.snapshot(), seconds);
    }

    /**
     * One caller: at most one call outstanding. Its callbacks run one after another (each
     * starts the next call), on whichever thread delivered the answer: {@code record} is
     * synchronized to publish its state across those threads.
     */
    private final class Caller {
        final Histogram latencies = new Histogram(MAX_LATENCY_MICROS, 3);
        private final AsyncOperation operation;
        private final Failures failures;
        private final CountDownLatch finished;
        private final Executor restarts;
        private volatile boolean measuring;
        private volatile boolean stopped;
        private long measured;
        volatile long end;

        Caller(AsyncOperation operation, Failures failures, CountDownLatch finished,
               Executor restarts) {
            this.operation = operation;
            this.failures = failures;
            this.finished = finished;
            this.restarts = restarts;
        }

        void startMeasuring() {
            measuring = true;
        }

        void stop() {
            stopped = true;
        }

        /**
         * Starts this caller's next call, or ends the caller. The answer's callback starts the
         * one after, on the transport thread that delivered it. A call that completes while it
         * is being started (a refusal before the wire, e.g. a closed channel) hands the next
         * start to {@code restarts} instead, so a run of such failures neither grows the
         * stack nor holds the thread that started the run.
         */
        void next() {
            if (stopped || (callsPerCaller > 0 && measured >= callsPerCaller)) {
                finished.countDown();
                return;
            }
            boolean counted = measuring;
            AtomicBoolean starting = new AtomicBoolean(true);
            long t0 = System.nanoTime();
            start().whenComplete((answer, failure) -> {
                record(counted, t0, failure);
                if (starting.get()) {
                    restarts.execute(this::next);
                } else {
                    next();
                }
            });
            starting.set(false);
        }

        private CompletableFuture<?> start() {
            try {
                return operation.start();
            } catch (RuntimeException e) {
                return CompletableFuture.failedFuture(e);
            }
        }

        private synchronized void record(boolean counted, long t0, Throwable failure) {
            if (!counted) {
                return;
            }
            long t1 = System.nanoTime();
            if (failure == null) {
                latencies.recordValue(Math.min(MAX_LATENCY_MICROS, (t1 - t0) / 1000));
            } else {
                failures.record(failure);
            }
            measured++;
            end = t1;
        }
    }
}
