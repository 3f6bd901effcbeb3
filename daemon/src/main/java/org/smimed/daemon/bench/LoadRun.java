package org.smimed.daemon.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.smimed.daemon.threads.DaemonThreads;

/**
 * Runs one operation from N threads in a closed loop for a fixed time (after a warm-up) or
 * call count, and records the latency of every call that succeeded (the failed ones are counted
 * by reason instead). Bounded by construction: it stops by itself.
 */
final class LoadRun {
    static final long MAX_LATENCY_MICROS = TimeUnit.MINUTES.toMicros(5);

    private final Duration warmUp;
    private final Duration duration;
    private final long callsPerThread;

    /**
     * @param callsPerThread if positive, stop after this many calls instead of after
     *                       {@code duration}
     */
    LoadRun(Duration warmUp, Duration duration, long callsPerThread) {
        this.warmUp = warmUp;
        this.duration = duration;
        this.callsPerThread = callsPerThread;
    }

    /** The same run (warm-up, duration or call count) with asynchronous callers. */
    AsyncLoadRun async() {
        return new AsyncLoadRun(warmUp, duration, callsPerThread);
    }

    Measurement run(Workload workload, Mode mode, int threads, Supplier<Operation> operations)
            throws InterruptedException {
        List<Worker> workers = new ArrayList<>();
        CountDownLatch ready = new CountDownLatch(threads);
        CountDownLatch go = new CountDownLatch(1);
        Failures failures = new Failures();
        for (int i = 0; i < threads; i++) {
            Worker w = new Worker(operations.get(), failures, ready, go);
            workers.add(w);
            w.thread.start();
        }
        ready.await();
        // Without a warm-up the callers measure from their first call: told to measure after
        // they started, one could make an unmeasured call first, and --calls N make N + 1.
        if (!warmUp.isZero()) {
            go.countDown();
            sleepUntil(System.nanoTime() + warmUp.toNanos());
        }
        workers.forEach(Worker::startMeasuring);
        long start = System.nanoTime();
        go.countDown();
        if (callsPerThread <= 0) {
            sleepUntil(start + duration.toNanos());
            workers.forEach(Worker::stop);
        }
        for (Worker w : workers) {
            w.thread.join();
        }
        return ClosedLoopCaller.measurement(workload, mode, threads, workers, failures, start);
    }

    static void sleepUntil(long nanoTime) throws InterruptedException {
        long left;
        while ((left = nanoTime - System.nanoTime()) > 0) {
            TimeUnit.NANOSECONDS.sleep(left);
        }
    }

    /** One closed-loop caller on a thread of its own. */
    private final class Worker extends ClosedLoopCaller implements Runnable {
        final Thread thread = new DaemonThreads("bench-worker").newThread(this);
        private final Operation operation;
        private final CountDownLatch ready;
        private final CountDownLatch go;

        Worker(Operation operation, Failures failures, CountDownLatch ready, CountDownLatch go) {
            super(failures);
            this.operation = operation;
            this.ready = ready;
            this.go = go;
        }

        @Override
        public void run() {
            ready.countDown();
            try {
                go.await();
            } catch (InterruptedException e) {
                return;
            }
            while (!done(callsPerThread)) {
                boolean counted = measuring();
                long t0 = System.nanoTime();
                Exception failure = null;
                try {
                    operation.call();
                } catch (Exception e) {
                    failure = e;
                }
                record(counted, t0, failure);
            }
        }
    }
}
