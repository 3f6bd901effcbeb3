package org.smimed.daemon.bench;

import org.HdrHistogram.Histogram;

/**
 * What one run measured: throughput and latency percentiles (microseconds) of {@code mode}
 * ("daemon" or "baseline") for one workload at one concurrency.
 */
record Measurement(Workload workload, String mode, int concurrency, long calls, long errors,
                   double seconds, long p50, long p90, long p99, long p999, long max) {

    static Measurement of(Workload workload, String mode, int concurrency, Histogram latencies,
                          long errors, double seconds) {
        return new Measurement(workload, mode, concurrency, latencies.getTotalCount(), errors,
                seconds, latencies.getValueAtPercentile(50), latencies.getValueAtPercentile(90),
                latencies.getValueAtPercentile(99), latencies.getValueAtPercentile(99.9),
                latencies.getMaxValue());
    }

    double callsPerSecond() {
        return seconds == 0 ? 0 : calls / seconds;
    }

    /**
     * Private-key operations per second: what daemon and baseline are compared on. A
     * SignBatch call of 64 digests is 64 operations; a baseline call is always one.
     */
    double operationsPerSecond() {
        return mode.equals("daemon") ? callsPerSecond() * workload.operationsPerCall()
                : callsPerSecond();
    }
}
