package org.smimed.daemon.grpc;

import java.util.Map;
import org.smimed.api.v1.DecryptionServiceGrpc;
import org.smimed.api.v1.DirectoryServiceGrpc;
import org.smimed.api.v1.KeyAdminServiceGrpc;
import org.smimed.api.v1.SigningServiceGrpc;
import org.smimed.daemon.audit.AuditEvent;

/**
 * Which audit event each gRPC method's calls are, by the generated descriptors' names (a
 * renamed method would otherwise fall out of its event into OTHER unnoticed).
 */
final class AuditEvents {
    private static final Map<String, AuditEvent> BY_METHOD = Map.of(
            SigningServiceGrpc.getSignMethod().getFullMethodName(), AuditEvent.SIGN,
            // A Sign whose content arrives in parts, and many Signs in one call: an auditor
            // asking what a key signed must find them under the same event.
            SigningServiceGrpc.getSignStreamMethod().getFullMethodName(), AuditEvent.SIGN,
            SigningServiceGrpc.getSignBatchMethod().getFullMethodName(), AuditEvent.SIGN,
            DecryptionServiceGrpc.getDecryptMethod().getFullMethodName(), AuditEvent.DECRYPT,
            DecryptionServiceGrpc.getDecryptMessageMethod().getFullMethodName(),
            AuditEvent.DECRYPT,
            DirectoryServiceGrpc.getListIdentitiesMethod().getFullMethodName(),
            AuditEvent.LIST_IDENTITIES,
            DirectoryServiceGrpc.getGetIdentityMethod().getFullMethodName(),
            AuditEvent.GET_IDENTITY,
            DirectoryServiceGrpc.getGetLimitsMethod().getFullMethodName(),
            AuditEvent.GET_LIMITS);

    private AuditEvents() {
    }

    /** The event for a full gRPC method name such as {@code smimed.v1.SigningService/Sign}. */
    static AuditEvent forMethod(String fullMethodName) {
        AuditEvent known = BY_METHOD.get(fullMethodName);
        if (known != null) {
            return known;
        }
        return KeyAdminServiceGrpc.SERVICE_NAME.equals(
                io.grpc.MethodDescriptor.extractFullServiceName(fullMethodName))
                ? AuditEvent.KEY_ADMIN : AuditEvent.OTHER;
    }
}
