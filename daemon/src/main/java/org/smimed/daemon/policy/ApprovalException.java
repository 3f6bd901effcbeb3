package org.smimed.daemon.policy;

/**
 * A dual-control request or approval was refused; the message is safe to show to the caller.
 */
public final class ApprovalException extends Exception {
    /** Why. */
    public enum Kind {
        /** No pending request has this id (never made, already approved, or expired). */
        UNKNOWN,
        /** The approval came after the request's time limit. */
        EXPIRED,
        /** The approver is the officer who made the request. */
        SAME_OFFICER,
        /** The requester is no longer an officer in the policy: the request was withdrawn. */
        WITHDRAWN,
        /** The same action on the same key version is already waiting for approval. */
        DUPLICATE,
        /** As many PKCS#12 imports as may wait at once (each holds its file) are waiting. */
        TOO_MANY
    }

    private final Kind kind;

    public ApprovalException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
