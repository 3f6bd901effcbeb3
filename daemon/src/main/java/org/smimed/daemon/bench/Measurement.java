package org.smimed.daemon.bench;

import org.HdrHistogram.Histogram;

/**
 * What one run measured: throughput and latency percentiles (microseconds) of {@code mode}
 * for one workload at one concurrency. {@code targetRate} is the scheduled calls/s of an
 * open-loop run, else 0; {@code sendLagP99} is how late, at the 99th percentile, an open-loop
 * run sent its calls after their due time (microseconds, else 0): the caller's own share of
 * the tail. {@code calls} counts every measured call, failed or not; throughput and the
 * latency percentiles count only those that succeeded, so a run whose daemon died does not
 * report its fast failures as speed, nor a deadline's worth of waiting as a call's latency.
 * The failed calls are in {@code errors}.
 */
record Measurement(Workload workload, Mode mode, int concurrency, long calls, Errors errors,
                   double seconds, long p50, long p90, long p99, long p999, long max,
                   double targetRate, long sendLagP99) {
    /** @param latencies of the successful calls only; the failed ones are {@code errors} */
    static Measurement of(Workload workload, Mode mode, int concurrency, Histogram latencies,
                          Errors errors, double seconds) {
        return of(workload, mode, concurrency, latencies, errors, seconds, 0, 0);
    }

    /** An open-loop run at {@code targetRate}; {@code sendLags} from due time to sending. */
    static Measurement openLoop(Workload workload, Mode mode, int concurrency,
                                Histogram latencies, Histogram sendLags, Errors errors,
                                double seconds, double targetRate) {
        return of(workload, mode, concurrency, latencies, errors, seconds, targetRate,
                sendLags.getValueAtPercentile(99));
    }

    private static Measurement of(Workload workload, Mode mode, int concurrency,
                                  Histogram latencies, Errors errors, double seconds,
                                  double targetRate, long sendLagP99) {
        return new Measurement(workload, mode, concurrency,
                latencies.getTotalCount() + errors.total(), errors,
                seconds, latencies.getValueAtPercentile(50), latencies.getValueAtPercentile(90),
                latencies.getValueAtPercentile(99), latencies.getValueAtPercentile(99.9),
                latencies.getMaxValue(), targetRate, sendLagP99);
    }

    boolean openLoop() {
        return targetRate > 0;
    }

    /** How far the tail stands above the median: p99 / p50 (0 when nothing was measured). */
    double tailRatio() {
        return p50 == 0 ? 0 : (double) p99 / p50;
    }

    /** The calls that succeeded; the failed ones are in {@link #errors()}. */
    long succeeded() {
        return Math.max(0, calls - errors.total());
    }

    /** Successful calls per second. */
    double callsPerSecond() {
        return seconds == 0 ? 0 : succeeded() / seconds;
    }

    /**
     * Private-key operations per second, of successful calls: what daemon and baseline are
     * compared on. A SignBatch call of 64 digests is 64 operations; a baseline call is always
     * one.
     */
    double operationsPerSecond() {
        return !mode.token() ? callsPerSecond() * workload.operationsPerCall()
                : callsPerSecond();
    }
}
