package org.smimed.daemon.health;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.smimed.daemon.threads.DaemonThreads;
import org.smimed.daemon.token.TokenCondition;

/**
 * Keeps the daemon's {@link Readiness} (gRPC health in the daemon) in step with the token and
 * the audit log: every service, and the whole server, is SERVING only while the last probe or
 * heal found the token logged in with its keys and the audit log still takes records. The
 * probe itself (and healing) is {@link TokenHealer#check()}; the audit log is looked at with
 * each probe, and at once when it fails ({@link #refreshSoon()}).
 *
 * <p>An audit log that failed refuses every call until the daemon restarts, so it stays
 * NOT_SERVING: a readiness probe takes the daemon out of rotation and a liveness probe on ""
 * restarts it, which is the only recovery.
 *
 * <p>Guarantee: after {@link #shutdown()} every service reports NOT_SERVING for good, so load
 * balancers stop sending calls before the server stops accepting them.
 */
public final class HealthMonitor implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(HealthMonitor.class.getName());

    private final String label;
    private final Readiness readiness;
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(
            new DaemonThreads("smimed-health"));
    /** Done once the audit log stops taking records (for good): the one source of that. */
    private final CompletableFuture<Void> auditFailed;
    private final AtomicReference<TokenCondition> last = new AtomicReference<>();
    /** Probes run so far: whether the schedule is alive, which a stale condition hides. */
    private final AtomicLong probes = new AtomicLong();
    /** Whether it says serving now; null before the first publication. Guarded by this. */
    private Boolean published;
    /** Whether the audit log's failure was said already (it is sticky). Guarded by this. */
    private boolean auditFailureSaid;
    private volatile boolean stopped;

    /**
     * @param auditFailed completes when the audit log stops taking records: health says so at
     *                    once ({@link #refreshSoon()}), not at the next probe
     */
    public HealthMonitor(String tokenLabel, Readiness readiness,
                         CompletionStage<Void> auditFailed) {
        this.label = tokenLabel;
        this.readiness = readiness;
        this.auditFailed = auditFailed.toCompletableFuture();
        this.auditFailed.thenRun(this::refreshSoon);
    }

    /** Runs {@code probe} now, then every {@code interval}; each probe publishes its result. */
    public void start(Supplier<TokenCondition> probe, Duration interval) {
        probe.get();
        probes.incrementAndGet();
        scheduler.scheduleWithFixedDelay(() -> {
            try {
                probe.get();
                probes.incrementAndGet();
            } catch (RuntimeException e) {
                // A probe that throws must not end the schedule (that would freeze health).
                LOG.log(Level.WARNING, "token probe failed", e);
                probes.incrementAndGet();
                publish(TokenCondition.UNREACHABLE);
            }
            // The audit log fails on a call's record, not on a probe: look at it every time,
            // whatever the probe published.
            refresh();
        }, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Publishes now, on the monitor's thread, rather than at the next probe: for the audit
     * log, whose failure would otherwise keep a replica in rotation, refusing every call, for
     * up to a probe interval.
     */
    public void refreshSoon() {
        try {
            scheduler.execute(this::refresh);
        } catch (RejectedExecutionException e) {
            // Shut down: NOT_SERVING for good already.
        }
    }

    /** How many probes have run (a failed one included: it published UNREACHABLE). */
    public long probes() {
        return probes.get();
    }

    /** The condition published last. */
    public TokenCondition condition() {
        return last.get();
    }

    /**
     * Takes {@code condition} as the token's, and publishes every service's serving status
     * (with the audit log's state) if it changed.
     */
    public void publish(TokenCondition condition) {
        TokenCondition before = last.getAndSet(condition);
        if (condition != before && !stopped) {
            boolean serving = condition.usable() && !auditFailed.isDone();
            LOG.log(condition.usable() ? Level.INFO : Level.WARNING,
                    "token '" + label + "' is " + condition + (serving ? ": serving"
                            : condition.usable() ? ": NOT_SERVING (audit log)" : ": NOT_SERVING"));
        }
        refresh();
    }

    /** Publishes SERVING or NOT_SERVING from the last token condition and the audit log. */
    private synchronized void refresh() {
        TokenCondition condition = last.get();
        if (stopped || condition == null) {
            return;
        }
        boolean audit = !auditFailed.isDone();
        if (!audit && !auditFailureSaid) {
            auditFailureSaid = true;
            LOG.log(Level.WARNING, "audit log cannot be written: NOT_SERVING until the daemon"
                    + " is restarted (every call is refused meanwhile)");
        }
        boolean serving = condition.usable() && audit;
        if (Boolean.valueOf(serving).equals(published)) {
            return;
        }
        published = serving;
        readiness.serving(serving);
    }

    /** NOT_SERVING for good, and no more probes. */
    public synchronized void shutdown() {
        stopped = true;
        scheduler.shutdownNow();
        readiness.stopped();
    }

    @Override
    public void close() {
        shutdown();
    }
}
