package org.smimed.daemon.grpc;

import io.grpc.MethodDescriptor;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.smimed.api.v1.KeyAdminServiceGrpc;

/**
 * The gRPC services only security officers may call (auditors: their read-only methods), and
 * which of their methods change the token. Named here, by service name, so that the guard
 * covers a service from the moment it is registered; methods by their generated descriptors,
 * so a renamed method cannot drop out of its class.
 */
final class OfficerServices {
    static final String KEY_ADMIN = KeyAdminServiceGrpc.SERVICE_NAME;
    private static final Set<String> NAMES = Set.of(KEY_ADMIN);

    /** The methods that change nothing, which auditors may call too. */
    private static final Set<String> READ_ONLY = names(KeyAdminServiceGrpc.getListKeysMethod(),
            KeyAdminServiceGrpc.getTokenInfoMethod(),
            KeyAdminServiceGrpc.getListPendingApprovalsMethod());

    /**
     * The methods that change the token: their calls are recorded before they run too (the
     * others only read it; CreateCsr signs a request with a key and changes nothing).
     */
    private static final Set<String> CHANGES_KEYS = names(
            KeyAdminServiceGrpc.getGenerateKeyMethod(),
            KeyAdminServiceGrpc.getImportCertificateChainMethod(),
            KeyAdminServiceGrpc.getImportPkcs12Method(), KeyAdminServiceGrpc.getActivateMethod(),
            KeyAdminServiceGrpc.getDisableMethod(), KeyAdminServiceGrpc.getDestroyMethod(),
            KeyAdminServiceGrpc.getApproveMethod());

    private OfficerServices() {
    }

    static boolean contains(String serviceName) {
        return NAMES.contains(serviceName);
    }

    /** Whether {@code fullMethodName} only reads. */
    static boolean readOnly(String fullMethodName) {
        return READ_ONLY.contains(fullMethodName);
    }

    /** Whether {@code fullMethodName} changes keys or key state on the token. */
    static boolean changesKeys(String fullMethodName) {
        return CHANGES_KEYS.contains(fullMethodName);
    }

    private static Set<String> names(MethodDescriptor<?, ?>... methods) {
        return Stream.of(methods).map(MethodDescriptor::getFullMethodName)
                .collect(Collectors.toUnmodifiableSet());
    }
}
