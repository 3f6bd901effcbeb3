package org.smimed.daemon.grpc;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import org.smimed.daemon.policy.Caller;
import org.smimed.daemon.policy.UnauthenticatedException;

/**
 * Identifies the caller of every call by its TLS client certificate and puts it into the gRPC
 * {@link Context}; a call without a valid certificate ends here with UNAUTHENTICATED.
 *
 * <p>The TLS layer asks for a client certificate and proves the client holds its key, but
 * leaves trust to this interceptor (see {@link DeferredClientTrust}), so that a missing,
 * expired or foreign certificate gets a clear UNAUTHENTICATED and an audit record instead of a
 * failed handshake. Anonymous callers exist only with the development switch.
 */
final class AuthenticationInterceptor implements ServerInterceptor {
    private final SessionAuthentication authentication;
    private final StatusMapper statuses;

    AuthenticationInterceptor(SessionAuthentication authentication, StatusMapper statuses) {
        this.authentication = authentication;
        this.statuses = statuses;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                       ServerCallHandler<Q, R> next) {
        AuditNotes notes = AuditNotes.CURRENT.get();
        Caller caller;
        try {
            caller = authentication.authenticate(
                    call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
        } catch (UnauthenticatedException e) {
            if (notes != null) {
                notes.caller(e.presentedSubject().isEmpty() ? "none"
                        : "unverified: " + e.presentedSubject());
                notes.fromClientCa(e.isFromClientCa());
            }
            call.close(statuses.toStatus(e).getStatus(), new Metadata());
            return new ServerCall.Listener<>() { };
        }
        if (notes != null) {
            notes.caller(caller.name());
        }
        return Contexts.interceptCall(Context.current().withValue(Callers.CURRENT, caller), call,
                headers, next);
    }
}
