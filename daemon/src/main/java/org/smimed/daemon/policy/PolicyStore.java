package org.smimed.daemon.policy;

import java.lang.System.Logger.Level;
import java.nio.file.Path;
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

    private PolicyStore(Path file, PolicyLoader loader, Policy initial) {
        this.file = file;
        this.loader = loader;
        this.current = new AtomicReference<>(initial);
    }

    /** Loads the policy for start-up: an invalid policy stops the daemon. */
    public static PolicyStore load(Path file) throws PolicyException {
        PolicyLoader loader = new PolicyLoader();
        return new PolicyStore(file, loader, loader.load(file));
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
    public boolean reload() {
        try {
            Policy next = loader.load(file);
            current.set(next);
            LOG.log(Level.INFO, "policy reloaded from " + file + ": " + next.rules().size()
                    + " caller entries");
            return true;
        } catch (PolicyException e) {
            LOG.log(Level.WARNING, "policy " + file + " rejected, the previous policy stays in"
                    + " force: " + String.join("; ", e.problems()));
            return false;
        }
    }
}
