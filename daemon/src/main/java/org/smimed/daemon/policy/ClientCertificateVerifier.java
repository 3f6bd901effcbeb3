package org.smimed.daemon.policy;

import java.security.GeneralSecurityException;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXCertPathValidatorResult;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Decides whether a client certificate chain identifies a caller: PKIX path validation to one
 * of the configured client CA certificates at the injected clock's time, that CA's own
 * certificate valid then too, and, when the leaf restricts its extended key usage, clientAuth
 * among them; and no certificate of the path on its issuer's CRL ({@link ClientRevocations}).
 * A client CA's own certificate never identifies a caller.
 *
 * <p>Guarantee: {@link #verify} returns a {@link Caller} only for a chain that validates; the
 * TLS layer has already proven the caller holds the leaf's private key.
 */
public final class ClientCertificateVerifier {
    private static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
    private static final String ANY_USAGE = "2.5.29.37.0";

    private final Set<TrustAnchor> anchors;
    private final ClientRevocations revocations;
    private final Clock clock;

    public ClientCertificateVerifier(List<X509Certificate> clientCas,
                                     ClientRevocations revocations, Clock clock) {
        Set<TrustAnchor> set = new HashSet<>();
        clientCas.forEach(ca -> set.add(new TrustAnchor(ca, null)));
        this.anchors = Set.copyOf(set);
        this.revocations = revocations;
        this.clock = clock;
    }

    /**
     * A verified caller, and until when the verification holds: the earliest notAfter of the
     * certificates its path ran through, the client CA's included (a client need not send it),
     * and no longer than the revocation lists it was checked against.
     */
    public record Verification(Caller caller, Instant until, long crlGeneration) {}

    /**
     * Whether {@code verification} still holds now (injected clock): none outlives a
     * certificate's expiry or a change of the revocation lists.
     */
    public boolean stillValid(Verification verification) {
        return clock.instant().isBefore(verification.until())
                && verification.crlGeneration() == revocations.generation();
    }

    /**
     * One line for each client CA certificate that is expired or not yet valid now: no client
     * it issued is accepted, which an operator should hear at start rather than from callers.
     */
    public List<String> unusableAnchors() {
        Date now = Date.from(clock.instant());
        return anchors.stream().map(TrustAnchor::getTrustedCert)
                .filter(ca -> !validAt(ca, now))
                .map(ca -> "tls.clientCaCertificates: '" + ca.getSubjectX500Principal().getName()
                        + "' is valid only from " + ca.getNotBefore().toInstant() + " to "
                        + ca.getNotAfter().toInstant() + ": no client certificate it issued is"
                        + " accepted")
                .sorted().toList();
    }

    /** The caller the chain (leaf first) identifies. */
    public Verification verify(Certificate[] chain) throws UnauthenticatedException {
        if (chain == null || chain.length == 0 || !(chain[0] instanceof X509Certificate leaf)) {
            throw new UnauthenticatedException("a client certificate is required", "");
        }
        String subject = leaf.getSubjectX500Principal().getName();
        // The path ends below the anchor: a client that also sends its CA must not fail.
        List<X509Certificate> path = Arrays.stream(chain).filter(X509Certificate.class::isInstance)
                .map(X509Certificate.class::cast)
                .filter(c -> anchors.stream().noneMatch(a -> a.getTrustedCert().equals(c)))
                .toList();
        if (path.isEmpty()) {
            // An empty path validates against anything: the CA's own certificate (its key
            // held by whoever runs the CA) would pass as a caller (found by a security trial).
            throw new UnauthenticatedException("the client certificate is a client CA"
                    + " certificate (tls.clientCaCertificates), not a caller's", subject);
        }
        X509Certificate anchor;
        long crlGeneration = revocations.generation();
        try {
            var certificates = CertificateFactory.getInstance("X.509").generateCertPath(path);
            PKIXParameters parameters = new PKIXParameters(anchors);
            parameters.setRevocationEnabled(false);
            parameters.setDate(Date.from(clock.instant()));
            anchor = ((PKIXCertPathValidatorResult) CertPathValidator.getInstance("PKIX")
                    .validate(certificates, parameters)).getTrustAnchor().getTrustedCert();
            List<String> usages = leaf.getExtendedKeyUsage();
            if (usages != null && !usages.contains(CLIENT_AUTH) && !usages.contains(ANY_USAGE)) {
                throw UnauthenticatedException.fromClientCa(
                        "the client certificate is not for client authentication", subject);
            }
            // A TLS client proves its key with a signature (CertificateVerify); a key whose
            // certificate limits it to other uses may not (RFC 5280 4.2.1.3). The JDK checks
            // this for its own trust managers, which this verifier replaces.
            boolean[] keyUsage = leaf.getKeyUsage();
            if (keyUsage != null && !keyUsage[0]) {
                throw UnauthenticatedException.fromClientCa("the client certificate's key usage"
                        + " does not allow digitalSignature, which TLS client authentication"
                        + " needs", subject);
            }
            // A caller is an end entity. A CA certificate issued under a client CA could also
            // issue certificates for any caller name, officers' included (a security trial
            // was served as one; PKIX lets it issue whatever the policy later matches).
            if (leaf.getBasicConstraints() >= 0) {
                throw UnauthenticatedException.fromClientCa("the client certificate is a CA"
                        + " certificate (basicConstraints CA:TRUE); a caller presents an"
                        + " end-entity certificate", subject);
            }
        } catch (CertPathValidatorException e) {
            throw new UnauthenticatedException(reason(e), subject);
        } catch (GeneralSecurityException e) {
            throw new UnauthenticatedException("the client certificate is not trusted", subject);
        }
        checkAnchorDates(anchor, subject);
        Optional<String> revoked = revocations.revoked(path, anchor);
        if (revoked.isPresent()) {
            throw UnauthenticatedException.fromClientCa(revoked.get(), subject);
        }
        Instant until = Stream.concat(path.stream(), Stream.of(anchor))
                .map(c -> c.getNotAfter().toInstant()).min(Comparator.naturalOrder())
                .orElseThrow();
        return new Verification(Caller.of(leaf), until, crlGeneration);
    }

    /**
     * PKIX does not check a trust anchor's own dates; a CA whose certificate has expired
     * vouched for callers for years after (found by a security trial; OpenSSL refuses them).
     */
    private void checkAnchorDates(X509Certificate anchor, String subject)
            throws UnauthenticatedException {
        Date now = Date.from(clock.instant());
        if (!validAt(anchor, now)) {
            throw UnauthenticatedException.fromClientCa("the client CA certificate '"
                    + anchor.getSubjectX500Principal().getName() + "' "
                    + (anchor.getNotAfter().before(now) ? "has expired" : "is not yet valid"),
                    subject);
        }
    }

    private static boolean validAt(X509Certificate certificate, Date at) {
        return !certificate.getNotAfter().before(at) && !certificate.getNotBefore().after(at);
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
