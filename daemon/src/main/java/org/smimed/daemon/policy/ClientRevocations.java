package org.smimed.daemon.policy;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.smimed.daemon.config.ConfigFileException;
import org.smimed.daemon.config.PemFiles;

/**
 * The client CAs' certificate revocation lists ({@code tls.clientCrls}): a certificate one of
 * them lists is refused, whatever the policy says. Policy entries match names, and a stolen
 * officer certificate and its replacement carry the same name, so without this only its
 * expiry or a new client CA ended a stolen certificate's rights (found by a security review).
 *
 * <p>The file is looked at again at most every {@code period} ({@code
 * operations.tlsCheckSeconds}), when a call asks, and a changed one replaces the lists in use
 * only if it reads and its CRLs from a client CA verify; each replacement is a new
 * {@link #generation()}, which ends the verifications TLS sessions hold. A replacement that
 * drops an issuer's CRL, or brings an older one, is refused ({@link #rollback}). A CRL past its
 * nextUpdate still applies (it is logged): what it revokes stays revoked, and an overdue
 * renewal must not open the door to every certificate. CRLs are read from the file only, never
 * fetched (no CRL distribution points, no OCSP): the daemon makes no outbound connections.
 */
public final class ClientRevocations {
    private static final System.Logger LOG = System.getLogger(ClientRevocations.class.getName());

    private final Optional<Path> file;
    private final List<X509Certificate> cas;
    private final Clock clock;
    private final long periodMillis;
    private volatile Lists current;
    private volatile long nextLookMillis;
    private byte[] seen = new byte[0];

    /** The lists in use, and which replacement they are. */
    private record Lists(long generation, List<X509CRL> crls) {}

    private ClientRevocations(Optional<Path> file, List<X509Certificate> cas, Clock clock,
                              Duration period) {
        this.file = file;
        this.cas = List.copyOf(cas);
        this.clock = clock;
        this.periodMillis = period.toMillis();
        this.current = new Lists(0, List.of());
    }

    /** No revocation lists: every certificate a client CA issued stands until it expires. */
    public static ClientRevocations none(Clock clock) {
        return new ClientRevocations(Optional.empty(), List.of(), clock, Duration.ZERO);
    }

    /**
     * The CRLs in {@code file} for certificates the {@code cas} issued (or CAs below them);
     * read now, and again when the file changes.
     *
     * @throws ConfigFileException if the file does not read as CRLs, or a client CA's CRL in
     *         it does not verify with that CA's key
     */
    public static ClientRevocations read(Path file, List<X509Certificate> cas, Clock clock,
                                         Duration period) throws ConfigFileException {
        ClientRevocations revocations = new ClientRevocations(Optional.of(file), cas, clock,
                period);
        revocations.seen = revocations.digest();
        revocations.current = new Lists(1, revocations.load());
        revocations.nextLookMillis = clock.millis() + revocations.periodMillis;
        return revocations;
    }

    /**
     * The client CAs none of the lists in use comes from, named with their serial: their
     * certificates are never refused as revoked. Logged at each read; a CA added to
     * {@code tls.clientCaCertificates} without its CRL was otherwise unchecked in silence (an
     * operator trial).
     */
    public List<String> uncoveredCas() {
        return uncovered(current.crls());
    }

    private List<String> uncovered(List<X509CRL> crls) {
        return cas.stream().filter(ca -> crls.stream().noneMatch(crl -> crl
                .getIssuerX500Principal().equals(ca.getSubjectX500Principal())
                && signedBy(crl, ca)))
                .map(ca -> "'" + ca.getSubjectX500Principal().getName() + "' (serial "
                        + ca.getSerialNumber().toString(16) + ")").toList();
    }

    /** Which lists are in use; a verification made under another generation is redone. */
    public long generation() {
        lookIfDue();
        return current.generation();
    }

    /**
     * Why {@code path} (leaf first, up to the CA below {@code anchor}) is refused, if one of
     * its certificates is on a CRL of its issuer; a CRL whose signature does not verify with
     * the issuer's key counts for nothing.
     */
    public Optional<String> revoked(List<X509Certificate> path, X509Certificate anchor) {
        lookIfDue();
        List<X509CRL> crls = current.crls();
        for (int i = 0; i < path.size(); i++) {
            X509Certificate certificate = path.get(i);
            X509Certificate issuer = i + 1 < path.size() ? path.get(i + 1) : anchor;
            for (X509CRL crl : crls) {
                if (crl.getIssuerX500Principal().equals(certificate.getIssuerX500Principal())
                        && signedBy(crl, issuer) && crl.isRevoked(certificate)) {
                    return Optional.of(i == 0 ? "the client certificate has been revoked"
                            : "the client certificate's CA '"
                            + certificate.getSubjectX500Principal().getName()
                            + "' has been revoked");
                }
            }
        }
        return Optional.empty();
    }

    private void lookIfDue() {
        if (file.isPresent() && clock.millis() >= nextLookMillis) {
            look();
        }
    }

    /** Reads the file again if it changed; a file that does not read keeps the lists in use. */
    private synchronized void look() {
        long now = clock.millis();
        if (now < nextLookMillis) {
            return; // another call looked meanwhile
        }
        nextLookMillis = now + periodMillis;
        byte[] digest = digest();
        if (Arrays.equals(digest, seen)) {
            return;
        }
        seen = digest;
        try {
            List<X509CRL> crls = load();
            Optional<String> rollback = rollback(current.crls(), crls);
            if (rollback.isPresent()) {
                LOG.log(Level.ERROR, "tls.clientCrls changed but was refused: " + rollback.get()
                        + ", which would take back revocations; the CRLs read before still"
                        + " apply (restart the daemon to make such a change on purpose)");
                return;
            }
            current = new Lists(current.generation() + 1, crls);
            LOG.log(Level.INFO, "tls.clientCrls " + file.get() + " reloaded: " + crls.size()
                    + " CRL(s); client certificates are checked against them from now on");
        } catch (ConfigFileException e) {
            LOG.log(Level.ERROR, "tls.clientCrls changed but was refused; the CRLs read before"
                    + " still apply: " + e.getMessage());
        }
    }

    /**
     * Why {@code replacement} would take back what the lists {@code inUse} revoke, if it
     * would: it has no CRL of an issuer (and signing key) they have, or only an older one. A
     * revoked certificate stays revoked until a CRL issued later says otherwise; whoever may
     * write the file must not un-revoke a stolen certificate by putting back last month's CRL
     * (found by a security review).
     */
    private Optional<String> rollback(List<X509CRL> inUse, List<X509CRL> replacement) {
        for (X509CRL old : inUse) {
            Optional<X509Certificate> signer = cas.stream().filter(ca -> ca
                    .getSubjectX500Principal().equals(old.getIssuerX500Principal())
                    && signedBy(old, ca)).findFirst();
            List<X509CRL> same = replacement.stream().filter(crl -> crl
                    .getIssuerX500Principal().equals(old.getIssuerX500Principal())
                    && signer.map(ca -> signedBy(crl, ca)).orElse(true)).toList();
            String issuer = "'" + old.getIssuerX500Principal().getName() + "'";
            if (same.isEmpty()) {
                return Optional.of("it has no CRL of " + issuer + ", which the one in use has");
            }
            if (same.stream().allMatch(crl -> crl.getThisUpdate().before(old.getThisUpdate()))) {
                return Optional.of("its CRL of " + issuer + " was issued before the one in use ("
                        + same.get(0).getThisUpdate().toInstant() + " against "
                        + old.getThisUpdate().toInstant() + ")");
            }
        }
        return Optional.empty();
    }

    private List<X509CRL> load() throws ConfigFileException {
        List<X509CRL> crls = PemFiles.crls("tls.clientCrls", file.get());
        List<String> overdue = new ArrayList<>();
        for (X509CRL crl : crls) {
            // Signed by some client CA of its issuer's name: two may share one while a CA is
            // re-keyed, and each has its own CRL (found by a security review).
            List<X509Certificate> named = cas.stream().filter(ca -> ca.getSubjectX500Principal()
                    .equals(crl.getIssuerX500Principal())).toList();
            if (!named.isEmpty() && named.stream().noneMatch(ca -> signedBy(crl, ca))) {
                throw new ConfigFileException("tls.clientCrls", file.get(), "the CRL of '"
                        + crl.getIssuerX500Principal().getName() + "' is not signed by"
                        + " that client CA's key");
            }
            if (crl.getNextUpdate() != null && crl.getNextUpdate().toInstant()
                    .isBefore(clock.instant())) {
                overdue.add("'" + crl.getIssuerX500Principal().getName() + "' (next update "
                        + crl.getNextUpdate().toInstant() + ")");
            }
        }
        List<String> uncovered = uncovered(crls);
        if (!uncovered.isEmpty()) {
            LOG.log(Level.WARNING, "tls.clientCrls " + file.get() + " has no CRL of client CA(s) "
                    + String.join(", ", uncovered) + ": their certificates are not checked for"
                    + " revocation; add each CA's CRL to the file");
        }
        if (!overdue.isEmpty()) {
            LOG.log(Level.WARNING, "tls.clientCrls " + file.get() + ": overdue CRL(s) of "
                    + String.join(", ", overdue) + "; what they revoke stays refused, but"
                    + " certificates revoked since are not: install the current CRLs");
        }
        return crls;
    }

    private static boolean signedBy(X509CRL crl, X509Certificate issuer) {
        try {
            crl.verify(issuer.getPublicKey());
            return true;
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }

    /** SHA-256 of the file; empty when it cannot be read (the read then says why). */
    private byte[] digest() {
        try {
            return MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file.get()));
        } catch (IOException e) {
            return new byte[0];
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}
