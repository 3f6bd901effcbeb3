package org.smimed.daemon.grpc;

import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The server's TLS trust manager for client certificates: it lets any client chain complete
 * the handshake, which still proves that the client holds the leaf's private key, and leaves
 * the trust decision to {@link AuthenticationInterceptor}. That is where a missing, expired or
 * foreign certificate can be answered with UNAUTHENTICATED and recorded in the audit log,
 * rather than cut off as an anonymous handshake failure.
 *
 * <p>Guarantee: never used to trust a server; no call reaches a service without the
 * interceptor's verdict, because every service (and the unknown-method fallback) is wrapped.
 */
final class DeferredClientTrust extends X509ExtendedTrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {
        // Deferred: see the class comment.
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {
        // Deferred: see the class comment.
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
        // Deferred: see the class comment.
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType)
            throws CertificateException {
        throw new CertificateException("the daemon never trusts servers with this manager");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        checkServerTrusted(chain, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        checkServerTrusted(chain, authType);
    }

    /** No issuer hint, so that clients send whatever certificate they have and get a reason. */
    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
    }
}
