package org.smimed.daemon.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.HdrHistogram.Histogram;
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

    /** @param callsPerThread if positive, stop after this many calls instead of after {@code duration} */
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
        go.countDown();
        long warmEnd = System.nanoTime() + warmUp.toNanos();
        sleepUntil(warmEnd);
        workers.forEach(Worker::startMeasuring);
        long start = System.nanoTime();
        if (callsPerThread <= 0) {
            sleepUntil(start + duration.toNanos());
            workers.forEach(Worker::stop);
        }
        for (Worker w : workers) {
            w.thread.join();
        }
        double seconds = (Math.max(lastEnd(workers), start) - start) / 1e9;
        Histogram all = new Histogram(MAX_LATENCY_MICROS, 3);
        for (Worker w : workers) {
            all.add(w.latencies);
        }
        return Measurement.of(workload, mode, threads, all, failures.snapshot(), seconds);
    }

    private static long lastEnd(List<Worker> workers) {
        return workers.stream().mapToLong(w -> w.end).max().orElse(0);
    }

    static void sleepUntil(long nanoTime) throws InterruptedException {
        long left;
        while ((left = nanoTime - System.nanoTime()) > 0) {
            TimeUnit.NANOSECONDS.sleep(left);
        }
    }

    /** One closed-loop caller. */
    private final class Worker implements Runnable {
        final Thread thread = new DaemonThreads("bench-worker").newThread(this);
        final Histogram latencies = new Histogram(MAX_LATENCY_MICROS, 3);
        private final Operation operation;
        private final Failures failures;
        private final CountDownLatch ready;
        private final CountDownLatch go;
        private volatile boolean measuring;
        private volatile boolean stopped;
        volatile long end;

        Worker(Operation operation, Failures failures, CountDownLatch ready, CountDownLatch go) {
            this.operation = operation;
            this.failures = failures;
            this.ready = ready;
            this.go = go;
        }

        void startMeasuring() {
            measuring = true;
        }

        void stop() {
            stopped = true;
        }

        @Override
        public void run() {
            ready.countDown();
            try {
                go.await();
            } catch (InterruptedException e) {
                return;
            }
            long measured = 0;
            while (!stopped && (callsPerThread <= 0 || measured < callsPerThread)) {
                boolean counted = measuring;
                long t0 = System.nanoTime();
                Exception failure = null;
                try {
                    operation.call();
                } catch (Exception e) {
                    failure = e;
                }
                long t1 = System.nanoTime();
                if (counted) {
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
    }
}
