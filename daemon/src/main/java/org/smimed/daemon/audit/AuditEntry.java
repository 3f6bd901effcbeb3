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
 */
public record AuditEntry(String requestId, String caller, AuditEvent event, String method,
                         String identity, String keyVersion, String inputSha256,
                         AuditOutcome outcome, String status) {}
