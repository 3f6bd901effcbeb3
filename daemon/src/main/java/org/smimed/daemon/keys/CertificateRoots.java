package org.smimed.daemon.keys;

import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The root CA certificates an imported S/MIME certificate must chain to
 * ({@code admin.certificateRoots}); none configured: any root the officer's chain ends at,
 * which leaves the choice of CA to each officer alone.
 */
public record CertificateRoots(List<X509Certificate> roots) {
    /** No restriction: the chain's own self-signed root is taken. */
    public static final CertificateRoots ANY = new CertificateRoots(List.of());

    public CertificateRoots {
        roots = List.copyOf(roots);
    }

    /** Refuses {@code root} (a chain's self-signed last certificate) unless it is configured. */
    void require(X509Certificate root) throws InvalidKeyRequestException {
        if (roots.isEmpty() || roots.stream().anyMatch(r -> sameCertificate(r, root))) {
            return;
        }
        throw new InvalidKeyRequestException("the chain ends at '"
                + root.getSubjectX500Principal() + "', which is not one of the roots this daemon"
                + " accepts (admin.certificateRoots: " + roots.stream()
                .map(r -> "'" + r.getSubjectX500Principal() + "'")
                .collect(Collectors.joining(", ")) + ")");
    }

    private static boolean sameCertificate(X509Certificate a, X509Certificate b) {
        try {
            return Arrays.equals(a.getEncoded(), b.getEncoded());
        } catch (CertificateEncodingException e) {
            return false;
        }
    }
}
