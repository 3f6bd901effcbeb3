package org.smimed.daemon.grpc;

import io.grpc.BindableService;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import org.smimed.daemon.health.Readiness;

/**
 * The daemon's readiness as {@code grpc.health.v1}: the whole server ("") and each client
 * service, served by {@link #service()} on every listener that offers health checks.
 */
public final class GrpcHealth implements Readiness {
    private final HealthStatusManager health = new HealthStatusManager();

    /** The health service to bind on a listener. */
    public BindableService service() {
        return health.getHealthService();
    }

    @Override
    public void serving(boolean serving) {
        ServingStatus status = serving ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
        health.setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, status);
        GrpcServer.CLIENT_SERVICES.forEach(s -> health.setStatus(s, status));
    }

    @Override
    public void stopped() {
        health.enterTerminalState();
    }
}
