package org.smimed.daemon.policy;

import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Holds the policy in force and replaces it on reload. A new policy replaces the old one only
 * if it is valid as a whole; otherwise every problem is logged and the old policy stays.
 */
public final class PolicyStore {
    private static final System.Logger LOG = System.getLogger(PolicyStore.class.getName());

    private final Path file;
    private final PolicyLoader loader;
    private final AtomicReference<Policy> current;
    /** The text last read from the file, valid or not; null when it could not be read. */
    private String lastRead;

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
            return rejected(e);
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
                rejected(e);
            }
            return false;
        }
        return !text.equals(lastRead) && apply(text);
    }

    private boolean apply(String text) {
        lastRead = Objects.requireNonNull(text);
        try {
            Policy next = loader.parse(file, text);
            current.set(next);
            LOG.log(Level.INFO, "policy reloaded from " + file + ": " + next.rules().size()
                    + " caller entries");
            return true;
        } catch (PolicyException e) {
            return rejected(e);
        }
    }

    private boolean rejected(PolicyException e) {
        LOG.log(Level.WARNING, "policy " + file + " rejected, the previous policy stays in"
                + " force: " + String.join("; ", e.problems()));
        return false;
    }
}
