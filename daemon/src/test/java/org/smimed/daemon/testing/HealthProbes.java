package org.smimed.daemon.testing;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.smimed.daemon.Daemon;

/** Waits on a daemon's health probes through its smimed_health_probes_total metric. */
public final class HealthProbes {
    private static final Pattern COUNT =
            Pattern.compile("(?m)^smimed_health_probes_total ([0-9.E]+)$");

    private HealthProbes() {
    }

    /** Probes run so far. */
    public static long count(Daemon daemon) {
        Matcher m = COUNT.matcher(daemon.metrics().scrape());
        if (!m.find()) {
            throw new AssertionError("no smimed_health_probes_total in the daemon's metrics");
        }
        return (long) Double.parseDouble(m.group(1));
    }

    /**
     * Returns once {@code more} probes have run after this call: what "still so after a few
     * probes" waits for, rather than a sleep that passes with no probe at all.
     */
    public static void awaitMore(Daemon daemon, int more, Duration limit)
            throws InterruptedException {
        long target = count(daemon) + more;
        long giveUp = System.nanoTime() + limit.toNanos();
        while (count(daemon) < target) {
            if (System.nanoTime() > giveUp) {
                throw new AssertionError(more + " more health probes did not run within "
                        + limit);
            }
            Thread.sleep(50);
        }
    }
}
