package org.smimed.daemon.audit;

/** The audit log cannot be opened or written; calls must fail closed. */
public final class AuditException extends Exception {
    public AuditException(String message, Throwable cause) {
        super(message, cause);
    }

    public AuditException(String message) {
        super(message);
    }
}
