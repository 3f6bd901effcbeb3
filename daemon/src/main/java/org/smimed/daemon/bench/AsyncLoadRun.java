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
    private final Duration warmUp;
    private final Duration duration;
    private final long callsPerCaller;

    /**
     * @param callsPerCaller if positive, stop after this many calls instead of after
     *                       {@code duration}
     */
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
        // Without a warm-up the callers measure from their first call, as LoadRun's do.
        if (!warmUp.isZero()) {
            all.forEach(c -> restarts.execute(c::next));
            LoadRun.sleepUntil(System.nanoTime() + warmUp.toNanos());
        }
        all.forEach(Caller::startMeasuring);
        long start = System.nanoTime();
        if (warmUp.isZero()) {
            all.forEach(c -> restarts.execute(c::next));
        }
        if (callsPerCaller <= 0) {
            LoadRun.sleepUntil(start + duration.toNanos());
            all.forEach(Caller::stop);
        }
        finished.await();
        restarts.shutdown();
        return ClosedLoopCaller.measurement(workload, mode, callers, all, failures, start);
    }

    /**
     * One caller: at most one call outstanding. Its callbacks run one after another (each
     * starts the next call), on whichever thread delivered the answer.
     */
    private final class Caller extends ClosedLoopCaller {
        private final AsyncOperation operation;
        private final CountDownLatch finished;
        private final Executor restarts;

        Caller(AsyncOperation operation, Failures failures, CountDownLatch finished,
               Executor restarts) {
            super(failures);
            this.operation = operation;
            this.finished = finished;
            this.restarts = restarts;
        }

        /**
         * Starts this caller's next call, or ends the caller. The answer's callback starts the
         * one after, on the transport thread that delivered it. A call that completes while it
         * is being started (a refusal before the wire, e.g. a closed channel) hands the next
         * start to {@code restarts} instead, so a run of such failures neither grows the
         * stack nor holds the thread that started the run.
         */
        void next() {
            if (done(callsPerCaller)) {
                finished.countDown();
                return;
            }
            boolean counted = measuring();
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
    }
}
