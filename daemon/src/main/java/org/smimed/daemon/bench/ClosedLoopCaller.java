package org.smimed.daemon.bench;

import java.util.List;
import org.HdrHistogram.Histogram;

/**
 * What one closed-loop caller records, whichever way it runs ({@link LoadRun}'s threads or
 * {@link AsyncLoadRun}'s callbacks): the latency of each measured call that succeeded, the
 * failed ones by reason, how many it made and when the last ended. Its calls are recorded one
 * after another, possibly from different threads: {@code record} is synchronized to publish
 * them to the thread that gathers the run.
 */
abstract class ClosedLoopCaller {
    private final Histogram latencies = new Histogram(LoadRun.MAX_LATENCY_MICROS, 3);
    private final Failures failures;
    private volatile boolean measuring;
    private volatile boolean stopped;
    private long measured;
    private volatile long end;

    ClosedLoopCaller(Failures failures) {
        this.failures = failures;
    }

    final void startMeasuring() {
        measuring = true;
    }

    final boolean measuring() {
        return measuring;
    }

    final void stop() {
        stopped = true;
    }

    /** Whether to make no more calls: stopped, or {@code callsPerCaller} (if positive) made. */
    final synchronized boolean done(long callsPerCaller) {
        return stopped || (callsPerCaller > 0 && measured >= callsPerCaller);
    }

    /** Records a call started at {@code t0} (nanoTime) that ended now, if it was measured. */
    final synchronized void record(boolean counted, long t0, Throwable failure) {
        if (!counted) {
            return;
        }
        long t1 = System.nanoTime();
        if (failure == null) {
            latencies.recordValue(Math.min(LoadRun.MAX_LATENCY_MICROS, (t1 - t0) / 1000));
        } else {
            failures.record(failure);
        }
        measured++;
        end = t1;
    }

    /**
     * The run's measurement once every caller has finished: throughput over the time from
     * {@code start} (nanoTime, the end of the warm-up) to the last measured call's end.
     */
    static Measurement measurement(Workload workload, Mode mode, int concurrency,
                                   List<? extends ClosedLoopCaller> callers, Failures failures,
                                   long start) {
        long lastEnd = callers.stream().mapToLong((ClosedLoopCaller c) -> c.end).max().orElse(0);
        double seconds = (Math.max(lastEnd, start) - start) / 1e9;
        Histogram all = new Histogram(LoadRun.MAX_LATENCY_MICROS, 3);
        for (ClosedLoopCaller c : callers) {
            synchronized (c) {
                all.add(c.latencies);
            }
        }
        return Measurement.of(workload, mode, concurrency, all, failures.snapshot(), seconds);
    }
}
