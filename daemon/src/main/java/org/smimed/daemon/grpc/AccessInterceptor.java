package org.smimed.daemon.grpc;

import io.grpc.Context;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.health.v1.HealthGrpc;
import java.util.Optional;
import org.smimed.daemon.policy.AccessControl;
import org.smimed.daemon.policy.Caller;
import org.smimed.daemon.policy.ConcurrencyLimits;
import org.smimed.daemon.policy.LimitExceededException;
import org.smimed.daemon.policy.PermissionDeniedException;

/**
 * Decisions that need no request content: officer-only services (by service name, so it also
 * guards methods that do not exist: PERMISSION_DENIED comes before UNIMPLEMENTED) and the
 * caller's concurrency limit, held until the call ends. One health call per connection is not
 * counted ({@link HealthWatchPlace}).
 */
final class AccessInterceptor implements ServerInterceptor {
    private final AccessControl access;
    private final StatusMapper statuses;

    AccessInterceptor(AccessControl access, StatusMapper statuses) {
        this.access = access;
        this.statuses = statuses;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                       ServerCallHandler<Q, R> next) {
        Caller caller = Callers.current();
        ConcurrencyLimits.Permit permit;
        try {
            if (OfficerServices.contains(call.getMethodDescriptor().getServiceName())) {
                // Refused before the request is read: a caller who is no officer has nothing
                // of theirs read (a review found a deferred refusal could hang, be cancelled
                // into another outcome, or write a STARTED record).
                AuditNotes notes = AuditNotes.CURRENT.get();
                access.checkAdministration(caller,
                        OfficerServices.readOnly(call.getMethodDescriptor().getFullMethodName()),
                        role -> {
                            if (notes != null) {
                                notes.administrator(role);
                            }
                        });
            }
            Optional<ConcurrencyLimits.Permit> free =
                    HealthGrpc.SERVICE_NAME.equals(call.getMethodDescriptor().getServiceName())
                            ? HealthWatchPlace.tryTake(call.getAttributes()) : Optional.empty();
            permit = free.isPresent() ? free.get() : access.enter(caller);
        } catch (PermissionDeniedException | LimitExceededException e) {
            return refused(call, e);
        }
        return HeldUntilEnd.start(call, headers, next, Context.current(), permit::close);
    }

    private <Q, R> ServerCall.Listener<Q> refused(ServerCall<Q, R> call, Exception e) {
        // With its trailers: a limit's ErrorReason travels in them.
        var refused = statuses.toStatus(e);
        Metadata trailers = refused.getTrailers();
        call.close(refused.getStatus(), trailers != null ? trailers : new Metadata());
        return new ServerCall.Listener<>() { };
    }
}
