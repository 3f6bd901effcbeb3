package org.smimed.daemon;

import java.util.concurrent.ThreadFactory;

/**
 * Names the daemon's pool threads (so thread dumps and profiles say what each does) and
 * marks them daemon threads, so that a pool never holds the process open after shutdown.
 */
record DaemonThreads(String name) implements ThreadFactory {
    @Override
    public Thread newThread(Runnable work) {
        Thread thread = new Thread(work, name);
        thread.setDaemon(true);
        return thread;
    }
}
