package org.smimed.daemon.tls;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import org.smimed.daemon.config.ConfigFileException;
import org.smimed.daemon.config.DaemonConfig;
import org.smimed.daemon.config.PemFiles;

/**
 * A TLS listener's certificate chain and private key, read from the PEM files its config
 * names and checked to go together, so that a TLS library never gets a pair that would fail
 * only in the handshake.
 *
 * <p>Security guarantee: {@link #toString()} names the certificate, never the key.
 */
public record ServerKeyPair(List<X509Certificate> chain, PrivateKey key) {
    public ServerKeyPair {
        chain = List.copyOf(chain);
        if (chain.isEmpty()) {
            throw new IllegalArgumentException("a server certificate chain has a leaf");
        }
    }

    /**
     * Reads {@code tls}' chain and key; {@code configPrefix} ("tls." or "admin.tls.") names
     * the keys a failure reports.
     */
    public static ServerKeyPair read(DaemonConfig.Tls tls, String configPrefix)
            throws ConfigFileException {
        String chainKey = configPrefix + "certificateChain";
        String keyKey = configPrefix + "privateKey";
        List<X509Certificate> chain = PemFiles.certificates(chainKey, tls.certificateChain());
        PrivateKey key = PemFiles.privateKey(keyKey, tls.privateKey());
        PemFiles.requireMatchingKey(chainKey, tls.certificateChain(), keyKey, tls.privateKey());
        return new ServerKeyPair(chain, key);
    }

    /** The server's own certificate: the first of the chain. */
    public X509Certificate leaf() {
        return chain.get(0);
    }

    /** Subject, serial number and expiry: what an operator needs to tell two pairs apart. */
    @Override
    public String toString() {
        X509Certificate leaf = leaf();
        return "'" + leaf.getSubjectX500Principal().getName() + "' serial "
                + leaf.getSerialNumber().toString(16) + " valid until "
                + leaf.getNotAfter().toInstant();
    }
}
