package org.smimed.daemon.grpc;

import java.util.Set;

/**
 * The gRPC services only security officers may call. Named here, by service name, so that the
 * guard covers a service from the moment it is registered.
 */
final class OfficerServices {
    static final String KEY_ADMIN = "smimed.v1.KeyAdminService";
    private static final Set<String> NAMES = Set.of(KEY_ADMIN);

    private OfficerServices() {
    }

    static boolean contains(String serviceName) {
        return NAMES.contains(serviceName);
    }
}
