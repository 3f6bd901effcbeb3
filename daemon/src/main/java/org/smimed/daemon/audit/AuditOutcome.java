package org.smimed.daemon.audit;

/** How a call ended, in the audit log's terms. */
public enum AuditOutcome {
    /** Allowed and completed (status OK), or a health Watch its client ended (CANCELLED). */
    OK,
    /** Refused: not authenticated, not permitted, or over a limit. */
    DENIED,
    /** Allowed but failed (bad request, decryption failure, token fault, cancelled, ...). */
    FAILED,
    /**
     * Checked and held for a second officer's approval (dual control; status OK): nothing
     * changed yet. The Approve call that runs it has its own record.
     */
    HELD,
    /**
     * An officer change about to run (status empty): written before the token is touched, so
     * a change the daemon died in is on record too; the call's own record follows. A STARTED
     * record with no record of the same request id after it names a change that was cut off
     * (start-up finishes or undoes it; {@code smimectl list} shows which).
     */
    STARTED
}
