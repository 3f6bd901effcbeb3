package org.smimed.daemon.audit;

/**
 * What kind of call an audit record describes; the exact gRPC method is recorded beside it
 * (which method is which event: {@code grpc.AuditEvents}).
 */
public enum AuditEvent {
    /** Sign, SignStream and SignBatch: every call that makes signatures with a key. */
    SIGN,
    /** Decrypt and DecryptMessage: the same operation, streamed or in one message. */
    DECRYPT,
    LIST_IDENTITIES,
    GET_IDENTITY,
    GET_LIMITS,
    /** Any KeyAdminService call (officer operations). */
    KEY_ADMIN,
    /**
     * Any other call: grpc.health.v1 and server reflection on the client or admin listener,
     * and methods the daemon does not serve.
     */
    OTHER,
    /**
     * Not a call: what start-up finished or removed of an officer operation that was cut off
     * (caller {@code smimed}, the repair's text in the daemon log, its SHA-256 as the input).
     */
    STARTUP_REPAIR,
    /**
     * Not a call: the policy file reloaded (outcome OK, the policy now in force) or refused
     * (FAILED, the previous one stays); caller {@code smimed}, the file's SHA-256 as the input.
     */
    POLICY_RELOAD,
    /**
     * Not a call: the daemon began serving (caller {@code smimed}), after its listeners
     * bound; with its stop record, it shows auditors which stretches of time the log covers.
     */
    DAEMON_START,
    /** Not a call: the daemon stopped, after its last call's record. */
    DAEMON_STOP
}
