package org.smimed.daemon.keys;

import java.security.GeneralSecurityException;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The CA certificates an imported S/MIME certificate must chain to
 * ({@code admin.certificateRoots}): roots, or the firm's issuing CAs. Not configured, any root
 * the officer's chain ends at is taken, which leaves the choice of CA to each officer alone.
 */
public final class CertificateRoots {
    private final Optional<List<X509Certificate>> anchors;

    private CertificateRoots(Optional<List<X509Certificate>> anchors) {
        this.anchors = anchors.map(List::copyOf);
    }

    /** No restriction: the chain's own self-signed root is taken. */
    public static CertificateRoots any() {
        return new CertificateRoots(Optional.empty());
    }

    /** Chains must lead to one of {@code anchors} (at least one). */
    public static CertificateRoots of(List<X509Certificate> anchors) {
        if (anchors.isEmpty()) {
            throw new IllegalArgumentException("no CA certificates: use any()");
        }
        return new CertificateRoots(Optional.of(anchors));
    }

    /**
     * Refuses {@code chain} (leaf first, built and checked already) unless a configured CA
     * certificate certifies it: the chain up to some certificate of it validates (PKIX, at
     * {@code now}) against the configured ones as trust anchors.
     */
    void require(List<X509Certificate> chain, Instant now) throws InvalidKeyRequestException {
        if (anchors.isEmpty()) {
            return;
        }
        Set<TrustAnchor> trusted = anchors.get().stream().map(c -> new TrustAnchor(c, null))
                .collect(Collectors.toSet());
        for (int length = 1; length <= chain.size(); length++) {
            if (validates(chain.subList(0, length), trusted, now)) {
                return;
            }
        }
        throw new InvalidKeyRequestException("the chain ends at '"
                + chain.get(chain.size() - 1).getSubjectX500Principal() + "', and no CA"
                + " certificate this daemon accepts certifies it (admin.certificateRoots: "
                + anchors.get().stream().map(r -> "'" + r.getSubjectX500Principal() + "'")
                .collect(Collectors.joining(", ")) + ")");
    }

    private static boolean validates(List<X509Certificate> path, Set<TrustAnchor> trusted,
                                     Instant now) {
        try {
            PKIXParameters parameters = new PKIXParameters(trusted);
            parameters.setRevocationEnabled(false);
            parameters.setDate(Date.from(now));
            CertPathValidator.getInstance("PKIX").validate(
                    CertificateFactory.getInstance("X.509").generateCertPath(path), parameters);
            return true;
        } catch (GeneralSecurityException e) {
            return false;
        }
    }
}
