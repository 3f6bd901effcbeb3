package org.smimed.daemon.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/**
 * Who besides its owner may use a file, for warnings about files that should be private: a
 * listener's TLS key, and the audit log (created 600; opened to others since, it shows them
 * every caller and key version). Found by a security review.
 */
public final class FileModes {
    private static final Set<PosixFilePermission> GROUP_OR_OTHERS = EnumSet.of(
            PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE,
            PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE);

    private FileModes() {
    }

    /**
     * A warning if group or others may write {@code dir} and it is not sticky, naming it as
     * {@code whose} directory: they could replace or remove what the daemon keeps there (an
     * operator trial found an audit log in a mode-777 directory taken without a word).
     */
    public static Optional<String> warnIfOthersMayReplace(String whose, Path dir) {
        if (dir == null) {
            return Optional.empty();
        }
        try {
            int mode = (Integer) Files.getAttribute(dir, "unix:mode");
            boolean open = (mode & 0022) != 0 && (mode & 01000) == 0;
            return open ? Optional.of(whose + " directory " + dir + " may be written by group"
                    + " or others (mode " + Integer.toOctalString(mode & 07777) + "), who could"
                    + " replace or remove the files in it; chmod go-w it") : Optional.empty();
        } catch (UnsupportedOperationException | IllegalArgumentException | IOException e) {
            return Optional.empty();
        }
    }

    /**
     * A warning if group or others may read or write {@code file} (the link's target), naming
     * it as {@code what}; empty if not, or where the file system has no POSIX permissions.
     */
    public static Optional<String> warnIfNotPrivate(String what, Path file) {
        try {
            Set<PosixFilePermission> open = Files.getPosixFilePermissions(file);
            open.retainAll(GROUP_OR_OTHERS);
            return open.isEmpty() ? Optional.empty() : Optional.of(what + " " + file
                    + " may be read or written by group or others (mode "
                    + java.nio.file.attribute.PosixFilePermissions.toString(
                            Files.getPosixFilePermissions(file)) + "); chmod 600 it");
        } catch (UnsupportedOperationException | IOException e) {
            return Optional.empty();
        }
    }
}
