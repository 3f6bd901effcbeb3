package org.smimed.daemon.policy;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
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
    private static final Duration MOST_WAIT = Duration.ofSeconds(3);

    private final WatchService watcher;
    private final Path file;
    /** Where the file's links lead, as last resolved; touched only by start and the thread. */
    private Path target;
    private final PolicyStore store;
    /** The directories watched, each with its key; touched only by start and the thread. */
    private final Map<Path, WatchKey> watched = new HashMap<>();
    private final Thread thread;
    /** {@link #QUIET}, but in tests, which stretch it so a loaded machine cannot outwait it. */
    private final Duration quiet;

    private PolicyWatcher(WatchService watcher, PolicyStore store, Duration quiet) {
        this.watcher = watcher;
        this.store = store;
        this.quiet = quiet;
        this.file = store.file().toAbsolutePath();
        this.target = file;
        this.thread = new DaemonThreads("smimed-policy-watcher").newThread(this::run);
    }

    /** Starts watching {@code store}'s file. */
    public static PolicyWatcher start(PolicyStore store) throws IOException {
        return start(store, QUIET);
    }

    /** Starts watching {@code store}'s file, reading it once no event came for {@code quiet}. */
    static PolicyWatcher start(PolicyStore store, Duration quiet) throws IOException {
        PolicyWatcher policyWatcher =
                new PolicyWatcher(FileSystems.getDefault().newWatchService(), store, quiet);
        policyWatcher.watchDirectories();
        policyWatcher.thread.start();
        return policyWatcher;
    }

    private void run() {
        try {
            while (true) {
                // Only when the policy may have changed: read after every event, a busy audit
                // log beside it had the file read every few milliseconds, one read falling
                // between an in-place save's truncation and its write (a CI failure).
                if (settle(watcher.take())) {
                    watchDirectories();
                    store.reloadIfChanged();
                }
            }
        } catch (InterruptedException | ClosedWatchServiceException e) {
            LOG.log(Level.DEBUG, "policy watcher stopped");
        } catch (IOException e) {
            LOG.log(Level.WARNING, "policy watcher stopped, the policy now reloads only on"
                    + " SIGHUP: " + e);
        }
    }

    /**
     * Takes events until none concerning the policy came for {@link #QUIET}, for at most
     * {@link #MOST_WAIT}: a file written in place (an editor's save, {@code cp}) is truncated
     * first and written after, and read at its first event it was refused as empty or cut
     * short, an audited "rejected" policy nobody submitted (an officer trial). Only events
     * naming the policy file, its link target or a Kubernetes {@code ..data} entry count, and
     * the wait is bounded in time: an audit log beside the policy, written on every call,
     * must neither hold the reload back nor end the wait early (found by a review).
     * Returns whether any event concerned the policy.
     */
    private boolean settle(WatchKey first) throws InterruptedException {
        long start = System.nanoTime();
        long lastRelevant = start - quiet.toNanos(); // no wait unless the policy is named
        boolean relevant = false;
        WatchKey key = first;
        while (true) {
            if (key != null) {
                if (key.pollEvents().stream().anyMatch(this::concernsPolicy)) {
                    lastRelevant = System.nanoTime();
                    relevant = true;
                }
                key.reset(); // every key taken, the last one too, or it hears nothing more
            }
            long now = System.nanoTime();
            long quietLeft = lastRelevant + quiet.toNanos() - now;
            long timeLeft = start + MOST_WAIT.toNanos() - now;
            if (quietLeft <= 0 || timeLeft <= 0) {
                return relevant;
            }
            key = watcher.poll(Math.min(quietLeft, timeLeft), TimeUnit.NANOSECONDS);
        }
    }

    /** Whether {@code event} may be a change of the policy's text. */
    private boolean concernsPolicy(WatchEvent<?> event) {
        if (!(event.context() instanceof Path name)) {
            return true; // OVERFLOW: events were lost, any of them may have been the policy's
        }
        String entry = name.toString();
        return name.equals(file.getFileName()) || entry.startsWith("..")
                || name.equals(target.getFileName());
    }

    /** Watches the file's directory and its link target's; drops directories left behind. */
    private void watchDirectories() throws IOException {
        Set<Path> wanted = new LinkedHashSet<>();
        wanted.add(file.getParent());
        try {
            target = file.toRealPath();
            wanted.add(target.getParent());
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
