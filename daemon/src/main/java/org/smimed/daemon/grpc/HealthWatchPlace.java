package org.smimed.daemon.grpc;

import io.grpc.Attributes;
import io.grpc.ServerTransportFilter;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.smimed.daemon.policy.ConcurrencyLimits;

/**
 * The one health call per connection that no caller's {@code maxConcurrent} counts: the Watch a
 * client balancing over several daemons keeps open on each connection for as long as the
 * connection lives. Counted, it would hold a place of the limit for good (with
 * {@code maxConcurrent: 1}, every Sign refused); uncounted without bound, a limited caller could
 * open Watch after Watch until the heap ran out. So the first is free and any more count.
 */
final class HealthWatchPlace {
    private static final Attributes.Key<HealthWatchPlace> KEY =
            Attributes.Key.create("smimed.healthWatchPlace");

    private final AtomicBoolean taken = new AtomicBoolean();

    private HealthWatchPlace() {
    }

    /** Gives every connection a place of its own when it is ready for calls. */
    static ServerTransportFilter perConnection() {
        return new ServerTransportFilter() {
            @Override
            public Attributes transportReady(Attributes transport) {
                return transport.toBuilder().set(KEY, new HealthWatchPlace()).build();
            }
        };
    }

    /**
     * The connection's free place for a health call carrying {@code transport}, if no other
     * health call holds it; the permit gives it back once, however often it is closed.
     */
    static Optional<ConcurrencyLimits.Permit> tryTake(Attributes transport) {
        HealthWatchPlace place = transport.get(KEY);
        if (place == null || !place.taken.compareAndSet(false, true)) {
            return Optional.empty();
        }
        AtomicBoolean open = new AtomicBoolean(true);
        return Optional.of(() -> {
            if (open.compareAndSet(true, false)) {
                place.taken.set(false);
            }
        });
    }
}
