package org.smimed.daemon.grpc;

import java.lang.System.Logger.Level;
import java.time.Clock;
import java.util.OptionalLong;

/**
 * How many calls refused UNAUTHENTICATED (no client certificate, or one that did not verify)
 * get an audit record of their own: a burst of {@link #BURST}, then {@link #PER_SECOND} a
 * second; the calls past that are counted, and the next record written says how many went
 * unrecorded before it ({@code unrecorded=N}).
 *
 * <p>Why: a peer needs no certificate to be refused, and every refusal was a record. A review
 * made 20,000 records (16 MB) in ten seconds from one connection without a certificate; at
 * that rate the audit log's disk fills within hours, and a full audit log stops every call.
 * Callers with a valid certificate are answerable for their calls and always recorded.
 * Shared by all listeners; time from the injected clock.
 */
public final class UnverifiedCallRecords {
    private static final System.Logger LOG =
            System.getLogger(UnverifiedCallRecords.class.getName());
    static final int BURST = 60;
    static final int PER_SECOND = 1;

    private final Clock clock;
    private double allowance = BURST;
    private long lastMillis;
    private long unrecorded;

    public UnverifiedCallRecords(Clock clock) {
        this.clock = clock;
        this.lastMillis = clock.millis();
    }

    /**
     * One more refused call: how many before it went unrecorded if this one is to be recorded,
     * else empty (it is counted instead).
     */
    synchronized OptionalLong admit() {
        long now = clock.millis();
        allowance = Math.min(BURST, allowance + Math.max(0, now - lastMillis) * PER_SECOND
                / 1000.0);
        lastMillis = now;
        if (allowance < 1) {
            if (unrecorded++ == 0) {
                LOG.log(Level.WARNING, "more than " + PER_SECOND + " call(s) a second without"
                        + " a valid client certificate: counting them instead of recording"
                        + " each; the next record written says how many");
            }
            return OptionalLong.empty();
        }
        allowance -= 1;
        long skipped = unrecorded;
        unrecorded = 0;
        return OptionalLong.of(skipped);
    }
}
