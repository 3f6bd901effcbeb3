package org.smimed.daemon.metrics;

import io.micrometer.core.instrument.Timer;
import java.time.Duration;

/**
 * The latency buckets of every smimed histogram: fixed, from 0.5 ms to 30 s, roughly three per
 * decade. Micrometer's percentile histogram has 69 buckets per series, and with a series per
 * service, method and status code that is thousands of lines per scrape (an outside trial's
 * SRE objection); these keep p50/p90/p99 readable with histogram_quantile.
 */
final class Buckets {
    private static final Duration[] LATENCY = {
        Duration.ofNanos(500_000), Duration.ofMillis(1), Duration.ofMillis(2),
        Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(20), Duration.ofMillis(50),
        Duration.ofMillis(100), Duration.ofMillis(200), Duration.ofMillis(500),
        Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(5),
        Duration.ofSeconds(10), Duration.ofSeconds(30)};

    private Buckets() {
    }

    static Timer.Builder latency(Timer.Builder timer) {
        return timer.serviceLevelObjectives(LATENCY);
    }
}
