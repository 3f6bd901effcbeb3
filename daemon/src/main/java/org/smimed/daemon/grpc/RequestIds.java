package org.smimed.daemon.grpc;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.security.SecureRandom;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Gives every call a request id, in the gRPC {@link Context} for handlers and in the response
 * headers for the caller, so a client's error report can be matched to the daemon's log.
 */
public final class RequestIds implements ServerInterceptor {
    static final Context.Key<String> REQUEST_ID = Context.key("smimed-request-id");
    static final Metadata.Key<String> HEADER =
            Metadata.Key.of("x-request-id", Metadata.ASCII_STRING_MARSHALLER);

    /**
     * Ids are this daemon's random half and a call counter: unique across replicas and
     * restarts without a SecureRandom draw (a locked /dev/urandom read) on every call. An id
     * correlates; it is no secret.
     */
    private final long daemonPart = new SecureRandom().nextLong();
    private final AtomicLong calls = new AtomicLong();

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                       ServerCallHandler<Q, R> next) {
        String id = new UUID(daemonPart, calls.incrementAndGet()).toString();
        ServerCall<Q, R> withHeader = new io.grpc.ForwardingServerCall
                .SimpleForwardingServerCall<>(call) {
            private volatile boolean headersSent;

            @Override
            public void sendHeaders(Metadata responseHeaders) {
                headersSent = true;
                responseHeaders.put(HEADER, id);
                super.sendHeaders(responseHeaders);
            }

            @Override
            public void close(io.grpc.Status status, Metadata trailers) {
                // A call refused before any response (e.g. UNAUTHENTICATED) still names its id,
                // so the refusal can be matched to its audit record; so does any failure,
                // as clients hand a failed call's trailers on, not its headers (a call whose
                // audit record could not be written after its headers went out named none:
                // found by a README trial).
                if (!headersSent || !status.isOk()) {
                    trailers.put(HEADER, id);
                }
                super.close(status, trailers);
            }
        };
        return Contexts.interceptCall(Context.current().withValue(REQUEST_ID, id), withHeader,
                headers, next);
    }

    /** The current call's id, or empty outside a call (for log formatters). */
    public static java.util.Optional<String> ofCurrentCall() {
        return java.util.Optional.ofNullable(REQUEST_ID.get());
    }

    /** The current call's id. */
    static String current() {
        String id = REQUEST_ID.get();
        return id == null ? "none" : id;
    }
}
