package org.smimed.daemon.token;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * A private key in the token with its certificate chain (leaf first).
 *
 * <p>Security guarantee: {@code privateKey} is a handle to a token object, never key material.
 */
public record TokenKeyEntry(String alias, PrivateKey privateKey, List<X509Certificate> chain) {
    public TokenKeyEntry {
        chain = List.copyOf(chain);
    }

    public X509Certificate certificate() {
        return chain.get(0);
    }

    @Override
    public String toString() {
        return "TokenKeyEntry[" + alias + ", " + certificate().getSubjectX500Principal() + "]";
    }
}
