package org.smimed.daemon.health;

/**
 * Where {@link HealthMonitor} announces whether the daemon serves: gRPC health in the daemon
 * ({@code grpc/GrpcHealth}). The monitor decides; this only says it, so the decision knows
 * nothing of the protocol that carries it.
 */
public interface Readiness {
    /** Every service, and the whole daemon, serves ({@code true}) or not. */
    void serving(boolean serving);

    /** Not serving, for good: the daemon is stopping. */
    void stopped();
}
