package org.smimed.daemon.policy;

import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Holds the policy in force and replaces it on reload. A new policy replaces the old one only
 * if it is valid as a whole and its {@link Recorder} took it; otherwise every problem is logged
 * and the old policy stays.
 */
public final class PolicyStore {
    private static final System.Logger LOG = System.getLogger(PolicyStore.class.getName());

    private final Path file;
    private final PolicyLoader loader;
    private final AtomicReference<Policy> current;
    /** The text last read from the file, valid or not; null when it could not be read. */
    private String lastRead;
    private volatile Recorder recorder = reload -> { };

    /**
     * Keeps a record of each reload, taken or refused. The policy makes officers, so a change
     * an auditor cannot see would hide who made themselves one (an operator trial found
     * reloads only on standard error); a reload whose record cannot be written is refused.
     */
    @FunctionalInterface
    public interface Recorder {
        void record(Reload reload) throws Exception;
    }

    /**
     * One reload: the text read (empty when the file could not be read), the policy it made
     * if it was valid, and the problems if it was not.
     */
    public record Reload(String text, Optional<Policy> policy, List<String> problems) {}

    private PolicyStore(Path file, PolicyLoader loader, String text, Policy initial) {
        this.file = file;
        this.loader = loader;
        this.lastRead = text;
        this.current = new AtomicReference<>(initial);
    }

    /** Loads the policy for start-up: an invalid policy stops the daemon. */
    public static PolicyStore load(Path file) throws PolicyException {
        PolicyLoader loader = new PolicyLoader();
        String text = loader.read(file);
        return new PolicyStore(file, loader, text, loader.parse(file, text));
    }

    /** Reloads from now on are given to {@code recorder} (the audit log's). */
    public void recordReloads(Recorder recorder) {
        this.recorder = Objects.requireNonNull(recorder);
    }

    /** The policy in force. */
    public Policy current() {
        return current.get();
    }

    /** The policy file. */
    public Path file() {
        return file;
    }

    /** Re-reads the file; returns whether the new policy is now in force. */
    public synchronized boolean reload() {
        try {
            return apply(loader.read(file));
        } catch (PolicyException e) {
            lastRead = null;
            return rejected("", e);
        }
    }

    /**
     * Re-reads the file and reloads only if its text differs from the text last read, so that
     * a watcher may call this on any event near the file without reloading (and logging) the
     * same policy again. Returns whether a new policy is now in force.
     */
    public synchronized boolean reloadIfChanged() {
        String text;
        try {
            text = loader.read(file);
        } catch (PolicyException e) {
            if (lastRead != null) {
                lastRead = null;
                rejected("", e);
            }
            return false;
        }
        return !text.equals(lastRead) && apply(text);
    }

    private boolean apply(String text) {
        lastRead = Objects.requireNonNull(text);
        Policy next;
        try {
            next = loader.parse(file, text);
        } catch (PolicyException e) {
            return rejected(text, e);
        }
        try {
            recorder.record(new Reload(text, Optional.of(next), List.of()));
        } catch (Exception e) {
            LOG.log(Level.ERROR, "policy " + file + " not reloaded, the previous policy stays in"
                    + " force: its audit record could not be written (" + e.getMessage() + ")");
            lastRead = null; // tried again at the next look
            return false;
        }
        current.set(next);
        LOG.log(Level.INFO, "policy reloaded from " + file + ": " + next.rules().size()
                + " caller entries, " + next.dualControl().summary());
        return true;
    }

    private boolean rejected(String text, PolicyException e) {
        LOG.log(Level.WARNING, "policy " + file + " rejected, the previous policy stays in"
                + " force: " + String.join("; ", e.problems()));
        try {
            recorder.record(new Reload(text, Optional.empty(), e.problems()));
        } catch (Exception notRecorded) {
            LOG.log(Level.ERROR, "the rejected policy's audit record could not be written: "
                    + notRecorded.getMessage());
        }
        return false;
    }
}
