package org.smimed.daemon.audit;

import java.util.Map;

/** What kind of call an audit record describes; the exact gRPC method is recorded beside it. */
public enum AuditEvent {
    /** Sign, SignStream and SignBatch: every call that makes signatures with a key. */
    SIGN,
    /** Decrypt and DecryptMessage: the same operation, streamed or in one message. */
    DECRYPT,
    LIST_IDENTITIES,
    GET_IDENTITY,
    /** Any KeyAdminService call (officer operations). */
    KEY_ADMIN,
    /** A method the daemon does not serve. */
    OTHER,
    /**
     * Not a call: what start-up finished or removed of an officer operation that was cut off
     * (caller {@code smimed}, the repair's text in the daemon log, its SHA-256 as the input).
     */
    STARTUP_REPAIR;

    private static final Map<String, AuditEvent> BY_METHOD = Map.of(
            "smimed.v1.SigningService/Sign", SIGN,
            // A Sign whose content arrives in parts, and many Signs in one call: an auditor
            // asking what a key signed must find them under the same event.
            "smimed.v1.SigningService/SignStream", SIGN,
            "smimed.v1.SigningService/SignBatch", SIGN,
            "smimed.v1.DecryptionService/Decrypt", DECRYPT,
            "smimed.v1.DecryptionService/DecryptMessage", DECRYPT,
            "smimed.v1.DirectoryService/ListIdentities", LIST_IDENTITIES,
            "smimed.v1.DirectoryService/GetIdentity", GET_IDENTITY);

    /** The event for a full gRPC method name such as {@code smimed.v1.SigningService/Sign}. */
    public static AuditEvent forMethod(String fullMethodName) {
        AuditEvent known = BY_METHOD.get(fullMethodName);
        if (known != null) {
            return known;
        }
        return fullMethodName.startsWith("smimed.v1.KeyAdminService/") ? KEY_ADMIN : OTHER;
    }
}
