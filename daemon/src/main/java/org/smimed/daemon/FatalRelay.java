package org.smimed.daemon;

import java.util.function.Consumer;

/**
 * Carries the token healer's give-up to the daemon: the healer is built before the daemon
 * exists, so a give-up that comes early is kept and delivered when the daemon attaches.
 */
final class FatalRelay {
    private Consumer<String> daemon;
    private String early;

    /** Reports that the token cannot be healed in-process. */
    synchronized void fail(String reason) {
        if (daemon == null) {
            early = reason;
        } else {
            daemon.accept(reason);
        }
    }

    /** Delivers this and any earlier give-up to {@code failWith}. */
    synchronized void attach(Consumer<String> failWith) {
        daemon = failWith;
        if (early != null) {
            failWith.accept(early);
        }
    }
}
