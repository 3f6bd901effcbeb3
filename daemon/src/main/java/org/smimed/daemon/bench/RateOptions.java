package org.smimed.daemon.bench;

import java.util.OptionalDouble;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The open-loop options of {@code smimed bench}: latency at a fixed call rate rather than at
 * full speed. Either a rate given outright, or a fraction of the peak that the closed-loop run
 * at the same concurrency has just measured (the "p99 at half the peak" question).
 * Guarantees that a rate, once returned, is positive and finite.
 */
final class RateOptions {
    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Option(names = "--rate", paramLabel = "CALLS_PER_S",
            description = {"Open loop: instead of the closed-loop daemon runs, call the daemon"
                    + " at this fixed rate (calls/s; call i is due at start + i/rate) for"
                    + " --warmup + --duration seconds and measure each call's latency from its"
                    + " due time, so a slow answer cannot hide queueing (no coordinated"
                    + " omission). Reports p50/p90/p99/p99.9, p99/p50 and the send lag (how"
                    + " late this caller issued its calls: its own share of the tail). Not with"
                    + " --token-label, --rate-fraction or --calls."})
    Double rate;

    @Option(names = "--rate-fraction", paramLabel = "F",
            description = {"After each closed-loop daemon run, run open loop at F times the"
                    + " calls/s it reached (0 < F <= 1; 0.5 = half the peak at that"
                    + " concurrency; skipped if that run completed no call). The open-loop run"
                    + " always lasts --warmup + --duration. With --token-label the raw token is"
                    + " run open loop too, at F times its own peak (mode baseline-rate): the"
                    + " token's own tail to read the daemon's against."})
    Double fraction;

    @Option(names = "--max-in-flight", defaultValue = "1024", paramLabel = "N",
            description = "Open loop: most calls outstanding at once; beyond it the schedule"
                    + " waits and the wait counts in the latencies (default: ${DEFAULT-VALUE}).")
    int maxInFlight;

    /** Rejects contradictory or out-of-range rate options as a usage error (exit code 2). */
    void validate(boolean baseline, long callsPerThread) {
        if (rate != null && fraction != null) {
            throw usage("--rate and --rate-fraction exclude each other");
        }
        if (rate != null && !(rate > 0 && rate <= 1_000_000)) {
            throw usage("--rate must be a number of calls per second in (0, 1000000], got "
                    + rate);
        }
        if (fraction != null && !(fraction > 0 && fraction <= 1)) {
            throw usage("--rate-fraction must be in (0, 1], got " + fraction);
        }
        if (maxInFlight < 1) {
            throw usage("--max-in-flight must be at least 1, got " + maxInFlight);
        }
        if (rate != null && baseline) {
            throw usage("--rate runs only the daemon at a fixed rate; drop --token-label,"
                    + " or use --rate-fraction to run the baseline and the closed loop too");
        }
        if (rate != null && callsPerThread > 0) {
            throw usage("--rate runs for --duration; --calls applies to closed-loop runs only");
        }
    }

    /** True if the closed-loop daemon runs are replaced by one run at a fixed rate. */
    boolean fixedRateOnly() {
        return rate != null;
    }

    /** The fixed rate of {@code --rate}. */
    double fixedRate() {
        return rate;
    }

    /** The open-loop rate that follows a closed-loop run, if {@code --rate-fraction} asks. */
    OptionalDouble after(Measurement closedLoop) {
        double peak = closedLoop.callsPerSecond();
        if (fraction == null || !(peak > 0)) {
            return OptionalDouble.empty();
        }
        return OptionalDouble.of(fraction * peak);
    }

    private ParameterException usage(String message) {
        return new ParameterException(spec.commandLine(), message);
    }
}
