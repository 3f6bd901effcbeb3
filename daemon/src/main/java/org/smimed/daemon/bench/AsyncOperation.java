package org.smimed.daemon.bench;

import java.util.concurrent.CompletableFuture;

/**
 * A call started without blocking the thread that starts it; the future completes (possibly
 * exceptionally) with the answer. Lets the open-loop schedule issue calls itself instead of
 * handing each to a pool thread, so the load generator's own thread wake-ups are not measured
 * as the daemon's latency.
 */
@FunctionalInterface
interface AsyncOperation {
    CompletableFuture<?> start();
}
