package org.smimed.daemon.threads;

import java.util.concurrent.ThreadFactory;

/**
 * The one way the daemon makes threads: named (so thread dumps and profiles say what each
 * does) and marked daemon threads, so that no pool or watcher holds the process open after
 * shutdown.
 */
public record DaemonThreads(String name) implements ThreadFactory {
    @Override
    public Thread newThread(Runnable work) {
        Thread thread = new Thread(work, name);
        thread.setDaemon(true);
        return thread;
    }
}
