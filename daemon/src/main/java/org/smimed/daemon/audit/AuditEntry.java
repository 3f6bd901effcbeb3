package org.smimed.daemon.audit;

/**
 * What one call contributes to the audit log, before the log adds sequence number, time and
 * chain hashes.
 *
 * <p>Security guarantee: holds no content, plaintext, key or PIN; the input appears only as its
 * SHA-256.
 *
 * @param requestId   the call's request id (x-request-id)
 * @param caller      the caller's certificate subject, "anonymous", "none" (no certificate) or
 *                    "unverified: SUBJECT" (a rejected certificate)
 * @param method      the full gRPC method name
 * @param identity    the identity named or used, "" if none
 * @param keyVersion  the key version used, "" if none
 * @param inputSha256 hex SHA-256 of the input (content or digest to sign; ciphertext to
 *                    decrypt; the serialized request otherwise)
 * @param status      the gRPC status code name the caller received
 * @param detail      for officer calls, what an auditor needs to tie records together:
 *                    {@code approval=ID}, {@code serial=HEX}, {@code fingerprint=HEX},
 *                    {@code confirmed=HEX}, space-separated; "" otherwise (then the record has
 *                    no detail member)
 */
public record AuditEntry(String requestId, String caller, AuditEvent event, String method,
                         String identity, String keyVersion, String inputSha256,
                         AuditOutcome outcome, String status, String detail) {
    /** An entry without detail: every call but an officer's. */
    public AuditEntry(String requestId, String caller, AuditEvent event, String method,
                      String identity, String keyVersion, String inputSha256,
                      AuditOutcome outcome, String status) {
        this(requestId, caller, event, method, identity, keyVersion, inputSha256, outcome,
                status, "");
    }
}
