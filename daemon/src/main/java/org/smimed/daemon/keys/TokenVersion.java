package org.smimed.daemon.keys;

import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;

/**
 * One key version as found on the token, whatever its state: what officers list and act on.
 *
 * <p>Security guarantee: holds the key's CKA_ID and certificates, never key material or handles.
 *
 * @param keyId  CKA_ID (lower-case hex) shared by the version's objects
 * @param label  CKA_LABEL of the key: the version's name ({@code identity/vN})
 * @param record the state record; for a legacy version (certificate, no record) a record made
 *               up from the certificate and {@code legacy} is true
 * @param chain  certificate chain, leaf first; empty while PENDING without certificate
 */
public record TokenVersion(String keyId, String label, VersionRecord record, boolean legacy,
                           List<X509Certificate> chain) {
    public TokenVersion {
        chain = List.copyOf(chain);
    }

    public String name() {
        return label;
    }

    public KeyState state() {
        return record.state();
    }

    public Optional<X509Certificate> certificate() {
        return chain.isEmpty() ? Optional.empty() : Optional.of(chain.get(0));
    }

    @Override
    public String toString() {
        return "TokenVersion[" + name() + ", " + state() + (legacy ? ", legacy" : "") + "]";
    }
}
