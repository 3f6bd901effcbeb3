package org.smimed.daemon.policy;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.smimed.daemon.threads.DaemonThreads;

/**
 * Reloads the policy when its file changes: written in place, replaced by a rename as editors
 * and configuration tools do, or swapped behind a symbolic link as Kubernetes does with a
 * ConfigMap ({@code policy.yaml -> ..data/policy.yaml}, {@code ..data -> ..v2} renamed over).
 *
 * <p>A swap like that renames an entry other than the file's own name, so every event in the
 * file's directory, and in the directory of the file the link resolves to, counts; the store
 * then compares the text with what it last read and reloads only when it differs. Runs on one
 * daemon thread until closed.
 */
public final class PolicyWatcher implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(PolicyWatcher.class.getName());

    /** How long no event must come before the file is read; see {@link #settle}. */
    static final Duration QUIET = Duration.ofMillis(150);
    private static final int MOST_SETTLES = 20;

    private final WatchService watcher;
    private final Path file;
    private final PolicyStore store;
    /** The directories watched, each with its key; touched only by start and the thread. */
    private final Map<Path, WatchKey> watched = new HashMap<>();
    private final Thread thread;

    private PolicyWatcher(WatchService watcher, PolicyStore store) {
        this.watcher = watcher;
        this.store = store;
        this.file = store.file().toAbsolutePath();
        this.thread = new DaemonThreads("smimed-policy-watcher").newThread(this::run);
    }

    /** Starts watching {@code store}'s file. */
    public static PolicyWatcher start(PolicyStore store) throws IOException {
        PolicyWatcher policyWatcher =
                new PolicyWatcher(FileSystems.getDefault().newWatchService(), store);
        policyWatcher.watchDirectories();
        policyWatcher.thread.start();
        return policyWatcher;
    }

    private void run() {
        try {
            while (true) {
                settle(watcher.take());
                watchDirectories();
                store.reloadIfChanged();
            }
        } catch (InterruptedException | ClosedWatchServiceException e) {
            LOG.log(Level.DEBUG, "policy watcher stopped");
        } catch (IOException e) {
            LOG.log(Level.WARNING, "policy watcher stopped, the policy now reloads only on"
                    + " SIGHUP: " + e);
        }
    }

    /**
     * Takes events until none came for {@link #QUIET} (at most {@link #MOST_SETTLES} rounds):
     * a file written in place (an editor's save, {@code cp}) is truncated first and written
     * after, and read at its first event it was refused as empty or cut short, an audited
     * "rejected" policy nobody submitted (an officer trial).
     */
    private void settle(WatchKey first) throws InterruptedException {
        WatchKey key = first;
        int round = 0;
        while (key != null) {
            // Every key taken is reset, the last one too: one left signalled hears nothing
            // more (PolicyReloadIT caught that, its audit log busy beside the policy).
            key.pollEvents();
            key.reset();
            key = ++round < MOST_SETTLES
                    ? watcher.poll(QUIET.toMillis(), TimeUnit.MILLISECONDS) : null;
        }
    }

    /** Watches the file's directory and its link target's; drops directories left behind. */
    private void watchDirectories() throws IOException {
        Set<Path> wanted = new LinkedHashSet<>();
        wanted.add(file.getParent());
        try {
            wanted.add(file.toRealPath().getParent());
        } catch (IOException e) {
            // Missing for a moment during a swap; the next event resolves it again.
        }
        watched.entrySet().removeIf(entry -> {
            boolean drop = !wanted.contains(entry.getKey()) || !entry.getValue().isValid();
            if (drop) {
                entry.getValue().cancel();
            }
            return drop;
        });
        for (Path dir : wanted) {
            if (!watched.containsKey(dir)) {
                register(dir);
            }
        }
    }

    private void register(Path dir) throws IOException {
        try {
            watched.put(dir, dir.register(watcher, StandardWatchEventKinds.ENTRY_CREATE,
                    StandardWatchEventKinds.ENTRY_MODIFY, StandardWatchEventKinds.ENTRY_DELETE));
        } catch (NoSuchFileException e) {
            if (dir.equals(file.getParent())) {
                throw e;
            }
            // A link target's directory removed by a newer swap; its event comes next.
        }
    }

    @Override
    public void close() throws IOException {
        watcher.close();
        thread.interrupt();
    }
}
