package org.smimed.daemon.policy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Who besides the daemon's user and root may change the policy file. The policy decides who
 * is an officer and is reloaded as soon as it changes, so whoever may write it, or replace it
 * in its directory, may make themselves an officer without a restart (found by security
 * reviews: a mode-666 policy, one in a group-writable directory and one owned by another user
 * were each reloaded without a word). Refused: a file group or others may write, or owned by
 * another user; a directory holding it — the link's and, behind a symbolic link (a Kubernetes
 * ConfigMap), the target's — that group or others may write unless it is sticky (as /tmp is,
 * where they cannot replace what they do not own), or owned by another user. Modes do not
 * count on a read-only mount, where no one may write: Kubernetes mounts a ConfigMap so, its
 * directory mode 0777 (an operator trial found the shipped StatefulSet refused).
 */
final class PolicyFileAccess {
    private static final int GROUP_WRITE = 0020;
    private static final int OTHERS_WRITE = 0002;
    private static final int STICKY = 01000;
    private static final int ROOT = 0;

    private PolicyFileAccess() {
    }

    static void refuseIfOthersMayChange(Path file) throws IOException, PolicyException {
        refuseIfOthersMayChange(file, PolicyFileAccess::onReadOnlyMount);
    }

    /** As {@link #refuseIfOthersMayChange(Path)}, told which paths no one may write. */
    static void refuseIfOthersMayChange(Path file, Predicate<Path> readOnly)
            throws IOException, PolicyException {
        Optional<Integer> self = ownUid();
        int mode;
        try {
            mode = (Integer) Files.getAttribute(file, "unix:mode");
        } catch (UnsupportedOperationException | IllegalArgumentException e) {
            return; // no POSIX permissions to judge on this file system
        }
        if ((mode & (GROUP_WRITE | OTHERS_WRITE)) != 0 && !readOnly.test(file)) {
            throw refused("policy file " + file + " is writable by group or others, who could"
                    + " make themselves officers; chmod go-w it");
        }
        refuseOtherOwner(file, "policy file " + file, self);
        Path absolute = file.toAbsolutePath();
        for (Path dir : new Path[] {absolute.getParent(), file.toRealPath().getParent()}) {
            if (dir == null) {
                continue;
            }
            int dirMode = (Integer) Files.getAttribute(dir, "unix:mode");
            if ((dirMode & (GROUP_WRITE | OTHERS_WRITE)) != 0 && (dirMode & STICKY) == 0
                    && !readOnly.test(dir)) {
                throw refused("the directory " + dir + " of policy file " + file + " is"
                        + " writable by group or others, who could replace the policy; chmod"
                        + " go-w it");
            }
            refuseOtherOwner(dir, "the directory " + dir + " of policy file " + file, self);
        }
    }

    private static void refuseOtherOwner(Path path, String what, Optional<Integer> self)
            throws IOException, PolicyException {
        int owner = (Integer) Files.getAttribute(path, "unix:uid");
        if (self.isPresent() && owner != ROOT && owner != self.get()) {
            throw refused(what + " belongs to user " + owner + ", neither root nor the daemon's"
                    + " user (" + self.get() + "), who could make themselves officers; chown it");
        }
    }

    private static boolean onReadOnlyMount(Path path) {
        try {
            return Files.getFileStore(path).isReadOnly();
        } catch (IOException e) {
            return false; // unknown: judged by its mode
        }
    }

    /** The process's user id: the owner of /proc/self (Linux); empty elsewhere. */
    private static Optional<Integer> ownUid() {
        try {
            return Optional.of((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static PolicyException refused(String problem) {
        return new PolicyException(List.of(problem));
    }
}
