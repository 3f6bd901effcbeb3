package org.smimed.daemon.grpc;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.security.cert.Certificate;
import java.util.Optional;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.smimed.daemon.policy.Caller;
import org.smimed.daemon.policy.ClientCertificateVerifier;
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
    private final Optional<ClientCertificateVerifier> verifier;
    private final boolean anonymousAllowed;
    private final StatusMapper statuses;

    AuthenticationInterceptor(Optional<ClientCertificateVerifier> verifier,
                              boolean anonymousAllowed, StatusMapper statuses) {
        this.verifier = verifier;
        this.anonymousAllowed = anonymousAllowed;
        this.statuses = statuses;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                       ServerCallHandler<Q, R> next) {
        AuditNotes notes = AuditNotes.CURRENT.get();
        Caller caller;
        try {
            caller = authenticate(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
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

    private Caller authenticate(SSLSession session) throws UnauthenticatedException {
        Certificate[] chain = null;
        if (session != null) {
            try {
                chain = session.getPeerCertificates();
            } catch (SSLPeerUnverifiedException e) {
                chain = null;
            }
        }
        if (chain == null || chain.length == 0 || verifier.isEmpty()) {
            if (anonymousAllowed) {
                return Caller.anonymousCaller();
            }
            throw new UnauthenticatedException("a client certificate is required", "");
        }
        // PKIX validation costs more than the token's signature: do it once per TLS session
        // (one connection carries many calls) and again only once a certificate has expired
        // or the revocation lists changed.
        Object cached = session.getValue(VERIFIED);
        if (cached instanceof ClientCertificateVerifier.Verification v
                && verifier.get().stillValid(v)) {
            return v.caller();
        }
        ClientCertificateVerifier.Verification verified = verifier.get().verify(chain);
        session.putValue(VERIFIED, verified);
        return verified.caller();
    }

    /** Session value name for the caller this session's chain was verified as. */
    private static final String VERIFIED = "org.smimed.verified-caller";
}
