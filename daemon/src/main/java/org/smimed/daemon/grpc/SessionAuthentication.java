package org.smimed.daemon.grpc;

import java.security.cert.Certificate;
import java.util.Optional;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.smimed.daemon.policy.Caller;
import org.smimed.daemon.policy.ClientCertificateVerifier;
import org.smimed.daemon.policy.UnauthenticatedException;

/**
 * Who a connection's TLS client certificate says the caller is: asked by the authentication
 * interceptor for every call, and before it by {@link CallPlacement} to choose the thread a
 * call runs on.
 */
final class SessionAuthentication {
    /** Session value name for the caller this session's chain was verified as. */
    private static final String VERIFIED = "org.smimed.verified-caller";
    /** Session value name marking a session whose chain was refused once. */
    private static final String REFUSED = "org.smimed.refused-caller";

    private final Optional<ClientCertificateVerifier> verifier;
    private final boolean anonymousAllowed;

    SessionAuthentication(Optional<ClientCertificateVerifier> verifier,
                          boolean anonymousAllowed) {
        this.verifier = verifier;
        this.anonymousAllowed = anonymousAllowed;
    }

    /** The caller {@code session} (null on a plaintext listener) authenticates, or why not. */
    Caller authenticate(SSLSession session) throws UnauthenticatedException {
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
        ClientCertificateVerifier.Verification verified;
        try {
            verified = verifier.get().verify(chain);
        } catch (UnauthenticatedException e) {
            session.putValue(REFUSED, Boolean.TRUE);
            throw e;
        }
        session.putValue(VERIFIED, verified);
        session.removeValue(REFUSED);
        return verified.caller();
    }

    /**
     * Whether calls on {@code session} belong on the handlers, judged without reading a file
     * or validating again where the session already says: a chain verified before (whether it
     * still holds, the authentication interceptor checks, on the handler), or refused before
     * (each call's interceptor verifies it again, where it was read); else verified now, once
     * per TLS session, as a handshake is. A plaintext listener's callers are anonymous or
     * refused at once, so they go to the handlers.
     */
    boolean belongsOnHandlers(SSLSession session) {
        if (session == null) {
            return true;
        }
        if (session.getValue(VERIFIED) != null) {
            return true;
        }
        if (session.getValue(REFUSED) != null) {
            return false;
        }
        try {
            authenticate(session);
            return true;
        } catch (UnauthenticatedException | RuntimeException e) {
            session.putValue(REFUSED, Boolean.TRUE);
            return false;
        }
    }
}
