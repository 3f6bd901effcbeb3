package org.smimed.daemon.policy;

import java.security.GeneralSecurityException;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Decides whether a client certificate chain identifies a caller: PKIX path validation to one
 * of the configured client CA certificates at the injected clock's time, and, when the leaf
 * restricts its extended key usage, clientAuth among them.
 *
 * <p>Guarantee: {@link #verify} returns a {@link Caller} only for a chain that validates; the
 * TLS layer has already proven the caller holds the leaf's private key.
 */
public final class ClientCertificateVerifier {
    private static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
    private static final String ANY_USAGE = "2.5.29.37.0";

    private final Set<TrustAnchor> anchors;
    private final Clock clock;

    public ClientCertificateVerifier(List<X509Certificate> clientCas, Clock clock) {
        Set<TrustAnchor> set = new HashSet<>();
        clientCas.forEach(ca -> set.add(new TrustAnchor(ca, null)));
        this.anchors = Set.copyOf(set);
        this.clock = clock;
    }


    /** When the first certificate of {@code chain} expires: a verification holds until then. */
    public static java.time.Instant validUntil(Certificate[] chain) {
        return java.util.Arrays.stream(chain).filter(X509Certificate.class::isInstance)
                .map(c -> ((X509Certificate) c).getNotAfter().toInstant())
                .min(java.util.Comparator.naturalOrder()).orElse(java.time.Instant.MIN);
    }

    /** Whether a verification that holds until {@code until} still holds now (injected clock). */
    public boolean stillValid(java.time.Instant until) {
        return clock.instant().isBefore(until);
    }

    /** The caller the chain (leaf first) identifies. */
    public Caller verify(Certificate[] chain) throws UnauthenticatedException {
        if (chain == null || chain.length == 0 || !(chain[0] instanceof X509Certificate leaf)) {
            throw new UnauthenticatedException("a client certificate is required", "");
        }
        String subject = leaf.getSubjectX500Principal().getName();
        try {
            // The path ends below the anchor: a client that also sends its CA must not fail.
            List<Certificate> path = java.util.Arrays.stream(chain)
                    .filter(c -> anchors.stream().noneMatch(a -> a.getTrustedCert().equals(c)))
                    .toList();
            var certificates = CertificateFactory.getInstance("X.509").generateCertPath(path);
            PKIXParameters parameters = new PKIXParameters(anchors);
            parameters.setRevocationEnabled(false);
            parameters.setDate(Date.from(clock.instant()));
            CertPathValidator.getInstance("PKIX").validate(certificates, parameters);
            List<String> usages = leaf.getExtendedKeyUsage();
            if (usages != null && !usages.contains(CLIENT_AUTH) && !usages.contains(ANY_USAGE)) {
                throw new UnauthenticatedException(
                        "the client certificate is not for client authentication", subject);
            }
        } catch (CertPathValidatorException e) {
            throw new UnauthenticatedException(reason(e), subject);
        } catch (GeneralSecurityException e) {
            throw new UnauthenticatedException("the client certificate is not trusted", subject);
        }
        return Caller.of(leaf);
    }

    private static String reason(CertPathValidatorException e) {
        if (e.getReason() == CertPathValidatorException.BasicReason.EXPIRED) {
            return "the client certificate has expired";
        }
        if (e.getReason() == CertPathValidatorException.BasicReason.NOT_YET_VALID) {
            return "the client certificate is not yet valid";
        }
        return "the client certificate is not trusted";
    }
}
