package org.smimed.daemon.grpc;

import java.util.Set;

/**
 * The gRPC services only security officers may call (auditors: their read-only methods).
 * Named here, by service name, so that the guard covers a service from the moment it is
 * registered.
 */
final class OfficerServices {
    static final String KEY_ADMIN = "smimed.v1.KeyAdminService";
    private static final Set<String> NAMES = Set.of(KEY_ADMIN);

    private OfficerServices() {
    }

    /** The methods that change nothing, which auditors may call too. */
    private static final Set<String> READ_ONLY = Set.of(KEY_ADMIN + "/ListKeys",
            KEY_ADMIN + "/TokenInfo", KEY_ADMIN + "/ListPendingApprovals");

    static boolean contains(String serviceName) {
        return NAMES.contains(serviceName);
    }

    /** Whether {@code fullMethodName} only reads. */
    static boolean readOnly(String fullMethodName) {
        return READ_ONLY.contains(fullMethodName);
    }
}
