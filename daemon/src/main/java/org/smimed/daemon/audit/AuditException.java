package org.smimed.daemon.audit;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Path;

/** The audit log cannot be opened or written; calls must fail closed. */
public final class AuditException extends Exception {
    public AuditException(String message, Throwable cause) {
        super(message, cause);
    }

    public AuditException(String message) {
        super(message);
    }

    /**
     * The log could not be opened, and why in words: "Read-only file system" says more than
     * FileSystemException, and AccessDeniedException alone left an operator guessing which
     * directory (an operator trial).
     */
    static AuditException cannotOpen(Path file, IOException e) {
        String reason = e instanceof AccessDeniedException
                ? ": permission denied (may the daemon's user create and write files in "
                        + file.toAbsolutePath().getParent() + "?)"
                : e instanceof FileSystemException f && f.getReason() != null
                        ? ": " + f.getReason() : "";
        return new AuditException("cannot open audit log " + file + ": "
                + e.getClass().getSimpleName() + reason, e);
    }
}
