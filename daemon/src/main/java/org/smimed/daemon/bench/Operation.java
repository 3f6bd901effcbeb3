package org.smimed.daemon.bench;

/** One timed call; each worker thread gets its own instance, so it may keep state. */
@FunctionalInterface
interface Operation {
    void call() throws Exception;
}
