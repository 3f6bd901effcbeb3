package org.smimed.daemon.logging;

import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * One kind of WARNING line that every call can cause at once (the token gone, the audit log
 * failed): at most one line per {@link #EVERY}, the next one saying how many like it were not
 * logged. An operator trial's daemon log grew by 105,000 identical lines (26 MB) in the minute
 * its token directory was unreadable, one per refused call of a retrying client; the audit
 * log already has a record of each such call. Time from the injected clock.
 */
public final class ThrottledWarning {
    static final Duration EVERY = Duration.ofSeconds(1);

    private final System.Logger log;
    private final Clock clock;
    private Instant last = Instant.MIN;
    private long unlogged;

    public ThrottledWarning(System.Logger log, Clock clock) {
        this.log = log;
        this.clock = clock;
    }

    /** Logs {@code line} unless a line of this kind was logged within {@link #EVERY}. */
    public synchronized void warn(String line) {
        Instant now = clock.instant();
        if (last != Instant.MIN && now.isBefore(last.plus(EVERY))) {
            unlogged++;
            return;
        }
        log.log(Level.WARNING, unlogged == 0 ? line
                : line + " (" + unlogged + " more like it since the last such line, not logged)");
        last = now;
        unlogged = 0;
    }
}
