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

    /**
     * Two allowances: certificates whose chain verified to a client CA (revoked ones, say)
     * have their own, so a flood without certificates cannot hide a stolen officer
     * certificate's attempts after its revocation in a count (found by a security review).
     */
    private final Allowance strangers;
    private final Allowance fromClientCa;

    public UnverifiedCallRecords(Clock clock) {
        this.strangers = new Allowance(clock, "without a valid client certificate");
        this.fromClientCa = new Allowance(clock, "with a client certificate refused after its"
                + " chain verified (revoked, expired CA, not for client authentication)");
    }

    /**
     * One more refused call: how many before it went unrecorded if this one is to be recorded,
     * else empty (it is counted instead). {@code verifiedChain}: its certificate's chain
     * verified to a client CA.
     */
    OptionalLong admit(boolean verifiedChain) {
        return (verifiedChain ? fromClientCa : strangers).admit();
    }

    /** A burst, then {@link #PER_SECOND} a second, by the injected clock. */
    private static final class Allowance {
        private final Clock clock;
        private final String who;
        private double allowance = BURST;
        private long lastMillis;
        private long unrecorded;

        Allowance(Clock clock, String who) {
            this.clock = clock;
            this.who = who;
            this.lastMillis = clock.millis();
        }

        synchronized OptionalLong admit() {
            long now = clock.millis();
            allowance = Math.min(BURST, allowance + Math.max(0, now - lastMillis) * PER_SECOND
                    / 1000.0);
            lastMillis = now;
            if (allowance < 1) {
                if (unrecorded++ == 0) {
                    LOG.log(Level.WARNING, "more than " + PER_SECOND + " call(s) a second "
                            + who + ": counting them instead of recording each; the next"
                            + " record written says how many");
                }
                return OptionalLong.empty();
            }
            allowance -= 1;
            long skipped = unrecorded;
            unrecorded = 0;
            return OptionalLong.of(skipped);
        }
    }
}
