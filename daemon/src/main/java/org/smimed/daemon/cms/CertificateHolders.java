package org.smimed.daemon.cms;

import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.concurrent.ConcurrentHashMap;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateHolder;

/**
 * Bouncy Castle's view of each key's certificate, which a RecipientInfo's identifier is matched
 * against: parsed once per certificate, not once per message (parsing it for every Decrypt was
 * a sixth of the daemon's Java samples in a profile of 4 KiB decrypts).
 *
 * <p>Guarantee: bounded; the entries are the certificates of key versions the daemon has
 * decrypted with, which rotation adds slowly, and the map starts over if it ever holds
 * {@link #MAX_ENTRIES}.
 */
final class CertificateHolders {
    static final int MAX_ENTRIES = 4096;

    private final ConcurrentHashMap<X509Certificate, X509CertificateHolder> parsed =
            new ConcurrentHashMap<>();

    X509CertificateHolder of(X509Certificate certificate) {
        X509CertificateHolder known = parsed.get(certificate);
        if (known != null) {
            return known;
        }
        if (parsed.size() >= MAX_ENTRIES) {
            parsed.clear();
        }
        return parsed.computeIfAbsent(certificate, CertificateHolders::parse);
    }

    private static X509CertificateHolder parse(X509Certificate certificate) {
        try {
            return new JcaX509CertificateHolder(certificate);
        } catch (CertificateEncodingException e) {
            throw new IllegalStateException("certificate of "
                    + certificate.getSubjectX500Principal(),
                    e);
        }
    }
}
