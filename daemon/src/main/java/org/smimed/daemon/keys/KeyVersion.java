package org.smimed.daemon.keys;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import org.smimed.daemon.token.KeyAlgorithm;

/**
 * One private key in the token with its certificate chain, as one version of an identity.
 *
 * <p>Security guarantee: {@code privateKey} is a token handle, never key material;
 * {@link #toString()} names the version only.
 *
 * @param id       the version's name: the token object's label
 * @param identity the identity it belongs to (the certificate's e-mail address, lower case)
 * @param chain    certificate chain, leaf first
 */
public record KeyVersion(String id, String identity, KeyAlgorithm algorithm, KeyState state,
                         boolean signs, boolean decrypts, PrivateKey privateKey,
                         List<X509Certificate> chain) {

    public KeyVersion {
        chain = List.copyOf(chain);
    }

    public X509Certificate certificate() {
        return chain.get(0);
    }

    /** Whether the certificate is valid at {@code now}. */
    public boolean certificateValidAt(Instant now) {
        return !now.isBefore(certificate().getNotBefore().toInstant())
                && !now.isAfter(certificate().getNotAfter().toInstant());
    }

    @Override
    public String toString() {
        return "KeyVersion[" + id + ", " + identity + ", " + algorithm + ", " + state + "]";
    }
}
