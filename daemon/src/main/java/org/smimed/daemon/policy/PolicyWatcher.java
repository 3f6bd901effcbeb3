package org.smimed.daemon.policy;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import org.smimed.daemon.threads.DaemonThreads;

/**
 * Reloads the policy when its file changes (written in place, or replaced by a rename as
 * editors and configuration tools do). Runs on one daemon thread until closed.
 */
public final class PolicyWatcher implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(PolicyWatcher.class.getName());

    private final WatchService watcher;
    private final Thread thread;

    private PolicyWatcher(WatchService watcher, Thread thread) {
        this.watcher = watcher;
        this.thread = thread;
    }

    /** Starts watching {@code store}'s file. */
    public static PolicyWatcher start(PolicyStore store) throws IOException {
        Path file = store.file().toAbsolutePath();
        WatchService watcher = FileSystems.getDefault().newWatchService();
        file.getParent().register(watcher, StandardWatchEventKinds.ENTRY_CREATE,
                StandardWatchEventKinds.ENTRY_MODIFY);
        Thread thread = new DaemonThreads("smimed-policy-watcher")
                .newThread(() -> run(watcher, file, store));
        thread.start();
        return new PolicyWatcher(watcher, thread);
    }

    private static void run(WatchService watcher, Path file, PolicyStore store) {
        try {
            while (true) {
                WatchKey key = watcher.take();
                boolean changed = false;
                for (WatchEvent<?> event : key.pollEvents()) {
                    changed |= file.getFileName().equals(event.context());
                }
                key.reset();
                if (changed) {
                    store.reload();
                }
            }
        } catch (InterruptedException | ClosedWatchServiceException e) {
            LOG.log(Level.DEBUG, "policy watcher stopped");
        }
    }

    @Override
    public void close() throws IOException {
        watcher.close();
        thread.interrupt();
    }
}
