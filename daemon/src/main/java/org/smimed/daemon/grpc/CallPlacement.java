package org.smimed.daemon.grpc;

import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallExecutorSupplier;
import java.util.concurrent.Executor;

/**
 * Where a call runs: an authenticated caller's on the listener's handlers, a call refused
 * UNAUTHENTICATED on the transport thread that read it.
 *
 * <p>Why: gRPC queues work for every new stream on the server's executor before anything
 * looks at the caller, and a cancelled stream frees its place among a connection's
 * concurrent calls at once. A peer without a certificate that opened and reset streams as
 * fast as it could (HTTP/2 "rapid reset") queued them faster than two handlers refused them,
 * and the daemon ran out of heap within a minute (a security trial). The listeners' own
 * executor is therefore the transport thread, where such work is done as it is read: a flood
 * then holds back the event loop its connections are on (which other connections, of any
 * listener, may share) rather than growing a queue without bound. This supplier moves each
 * call whose TLS session authenticates to the handlers before its interceptors run; the
 * session keeps the answer, so deciding costs one look at it after the session's first call
 * (see {@link SessionAuthentication#belongsOnHandlers}). What a refused call does on the
 * transport thread is bounded: no audit file work before authentication, records of refusals
 * rate-limited.
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
        // Null: stay here; the authentication interceptor refuses the call and says why.
        return authentication.belongsOnHandlers(call.getAttributes().get(
                Grpc.TRANSPORT_ATTR_SSL_SESSION)) ? handlers : null;
    }
}
