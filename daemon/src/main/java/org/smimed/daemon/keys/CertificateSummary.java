package org.smimed.daemon.keys;

import java.math.BigInteger;
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
                + serial(certificate.getSerialNumber());
        try {
            return names + ", sha256 " + sha256(certificate);
        } catch (IllegalArgumentException e) {
            return names + " (" + e.getMessage() + ")";
        }
    }

    /**
     * A serial number as {@code openssl x509 -serial} prints it, in lower case: the magnitude
     * in whole bytes, so a leading zero digit stays (an officer trial's grep for the serial
     * OpenSSL showed found nothing in the audit log, which had dropped the zero).
     */
    public static String serial(BigInteger serial) {
        String hex = serial.abs().toString(16);
        return (serial.signum() < 0 ? "-" : "") + (hex.length() % 2 == 0 ? hex : "0" + hex);
    }

    /** The fingerprint officers confirm a destroy with: SHA-256 of the DER, lower-case hex. */
    public static String sha256(X509Certificate certificate) {
        try {
            return sha256(certificate.getEncoded());
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("not encodable: " + e.getMessage(), e);
        }
    }

    /** SHA-256 of any encoding, lower-case hex: a public key's, a repair's text. */
    public static String sha256(byte[] encoded) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(encoded));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
