package org.smimed.daemon.audit;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Logs the audit log's head ("SEQ:HASH") every so often while the daemon runs, when it moved:
 * anchors that a log shipper carries off the host, so that records cut from the end of the
 * audit file (which its own chain cannot show) are caught by {@code smimectl audit verify
 * --anchor} however long ago the daemon last started. Start, shutdown and rotation log one too.
 */
public final class AuditAnchors implements AutoCloseable {
    private final AuditLog audit;
    private final Consumer<String> log;
    private final ScheduledExecutorService timer;
    private String last;

    private AuditAnchors(AuditLog audit, Consumer<String> log, ScheduledExecutorService timer) {
        this.audit = audit;
        this.log = log;
        this.timer = timer;
        this.last = audit.head();
    }

    /** Logs to {@code log} every {@code period}; a zero period logs nothing. */
    public static AuditAnchors every(Duration period, AuditLog audit, Consumer<String> log) {
        if (period.isZero()) {
            return new AuditAnchors(audit, log, null);
        }
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "audit-anchors");
            t.setDaemon(true);
            return t;
        });
        AuditAnchors anchors = new AuditAnchors(audit, log, timer);
        timer.scheduleAtFixedRate(anchors::tickSafely, period.toMillis(), period.toMillis(),
                TimeUnit.MILLISECONDS);
        return anchors;
    }

    /** A failure escaping a scheduled task would cancel every later anchor: keep it in. */
    private void tickSafely() {
        try {
            tick();
        } catch (RuntimeException e) {
            log.accept("audit log anchor failed: " + e);
        }
    }

    /** Logs the head if records were written since the last anchor. */
    synchronized void tick() {
        String head = audit.head();
        if (!head.equals(last)) {
            last = head;
            log.accept("audit log head: " + head + " (an anchor: keep it off this host;"
                    + " smimectl audit verify --anchor)");
        }
    }

    @Override
    public void close() {
        if (timer != null) {
            timer.shutdownNow();
            try {
                // So that no anchor is logged after the head at shutdown.
                timer.awaitTermination(1, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
