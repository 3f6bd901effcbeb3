package org.smimed.daemon.grpc;

import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallExecutorSupplier;
import java.util.concurrent.Executor;
import org.smimed.daemon.policy.UnauthenticatedException;

/**
 * Where a call runs: an authenticated caller's on the listener's handlers, a call refused
 * UNAUTHENTICATED on the transport thread that read it.
 *
 * <p>Why: gRPC queues work for every new stream on the server's executor before anything
 * looks at the caller, and a cancelled stream frees its place among a connection's
 * concurrent calls at once. A peer without a certificate that opened and reset streams as
 * fast as it could (HTTP/2 "rapid reset") queued them faster than two handlers refused them,
 * and the daemon ran out of heap within a minute (a security trial). The listeners' own
 * executor is therefore the transport thread, where such work is done as it is read, so a
 * flood slows only the connection sending it; this supplier moves each call that
 * authenticates to the handlers before its interceptors run. Deciding takes one look at the
 * TLS session, whose verified caller is kept with it.
 */
final class CallPlacement implements ServerCallExecutorSupplier {
    private final SessionAuthentication authentication;
    private final Executor handlers;

    CallPlacement(SessionAuthentication authentication, Executor handlers) {
        this.authentication = authentication;
        this.handlers = handlers;
    }

    @Override
    public <Q, R> Executor getExecutor(ServerCall<Q, R> call, Metadata headers) {
        try {
            authentication.authenticate(call.getAttributes().get(
                    Grpc.TRANSPORT_ATTR_SSL_SESSION));
            return handlers;
        } catch (UnauthenticatedException | RuntimeException e) {
            // Refused by the authentication interceptor, on this thread, which says why (a
            // failure to verify is a refusal too, never a reason to fail the transport).
            return null;
        }
    }
}
