package org.smimed.daemon.keys;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.util.HexFormat;

/**
 * A certificate in one line, as an officer or auditor compares it with what they expect:
 * subject, issuer, serial (hex) and the SHA-256 of its DER encoding (what {@code smimectl
 * list} shows as the fingerprint).
 */
public final class CertificateSummary {
    private CertificateSummary() {
    }

    public static String of(X509Certificate certificate) {
        String names = "'" + certificate.getSubjectX500Principal() + "' issued by '"
                + certificate.getIssuerX500Principal() + "', serial "
                + certificate.getSerialNumber().toString(16);
        try {
            return names + ", sha256 " + HexFormat.of().formatHex(
                    MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded()));
        } catch (GeneralSecurityException e) {
            return names + " (not encodable: " + e.getMessage() + ")";
        }
    }
}
