package org.smimed.daemon.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import java.util.List;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

/**
 * Throughput counts only the calls that succeeded: a daemon killed mid-run answers UNAVAILABLE
 * at once, and those fast failures must not read as speed. The latencies handed in are those
 * of the successful calls; every call counts in {@code calls}.
 */
class MeasurementTest {
    @Test
    void callsPerSecond_countsOnlySuccessfulCalls_theFailedOnesStayInErrors() {
        Measurement m = Measurement.of(Workload.SIGN_DIGEST, Mode.DAEMON, 2, latencies(4),
                unavailable(6), 2.0);

        assertThat(m.calls()).isEqualTo(10);
        assertThat(m.succeeded()).isEqualTo(4);
        assertThat(m.callsPerSecond()).isEqualTo(2.0);
        assertThat(m.operationsPerSecond()).isEqualTo(2.0);
        assertThat(Reports.humanLine(m, List.of(m))).contains("      2.0 ops/s")
                .contains("errors 6 (UNAVAILABLE 6: io exception)");
        assertThat(Reports.csvLine(m, List.of(m)))
                .startsWith("sign-digest,daemon,2,10,6,2.000,2.0,");
    }

    @Test
    void signBatch_countsTheOperationsOfSuccessfulCallsOnly() {
        Measurement m = Measurement.of(Workload.SIGN_BATCH_64, Mode.DAEMON, 1, latencies(5),
                unavailable(5), 1.0);

        assertThat(m.operationsPerSecond()).isEqualTo(5 * 64.0);
    }

    @Test
    void everyCallFailed_isNoThroughput_andNoRatioAboveZero() {
        Measurement daemon = Measurement.of(Workload.SIGN_DIGEST, Mode.DAEMON, 1, latencies(0),
                unavailable(8), 1.0);
        Measurement baseline = Measurement.of(Workload.SIGN_DIGEST, Mode.BASELINE, 1,
                latencies(8), new Failures().snapshot(), 1.0);

        assertThat(daemon.callsPerSecond()).isZero();
        assertThat(baseline.callsPerSecond()).isEqualTo(8.0);
        assertThat(Reports.ratio(daemon, List.of(daemon, baseline))).contains(0.0);
    }

    @Test
    void openLoop_achievedRate_countsOnlySuccessfulCalls() {
        Measurement m = Measurement.openLoop(Workload.SIGN_DIGEST, Mode.DAEMON_RATE, 2,
                latencies(60), latencies(100), unavailable(40), 10.0, 10.0);

        assertThat(Reports.openLoopLine(m)).contains("rate 10.0 calls/s: achieved 6.0 calls/s")
                .contains("errors 40 (UNAVAILABLE 40: io exception)");
    }

    private static Histogram latencies(int calls) {
        Histogram histogram = new Histogram(60_000_000L, 3);
        for (int i = 0; i < calls; i++) {
            histogram.recordValue(100 + i);
        }
        return histogram;
    }

    private static Errors unavailable(int failed) {
        Failures failures = new Failures();
        for (int i = 0; i < failed; i++) {
            failures.record(Status.UNAVAILABLE.withDescription("io exception")
                    .asRuntimeException());
        }
        return failures.snapshot();
    }
}
