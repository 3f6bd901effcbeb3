package org.smimed.daemon.keys;

import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateParsingException;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Arrays;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.bouncycastle.asn1.oiw.OIWObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.RSASSAPSSparams;
import org.smimed.daemon.token.KeyAlgorithm;
import org.smimed.daemon.token.KeyUsage;

/**
 * Decides whether a certificate chain may be attached to a key version: the leaf certifies the
 * token's key for the version's identity and usage, for S/MIME, now, and the chain builds.
 *
 * <p>Trust: the chain must end in a self-signed root, and PKIX validates the path to it at the
 * injected clock's time; with {@link CertificateRoots} configured, one of those CA
 * certificates must also certify it, otherwise trusting the root is the officer's decision.
 * Revocation is not checked here: the issuing CA was just asked by the officer.
 */
final class CertificateChecks {
    private static final String EMAIL_PROTECTION = "1.3.6.1.5.5.7.3.4";
    private static final String ANY_EKU = "2.5.29.37.0";
    private static final int DIGITAL_SIGNATURE = 0;
    private static final int NON_REPUDIATION = 1;
    private static final int KEY_ENCIPHERMENT = 2;
    private static final int KEY_AGREEMENT = 4;

    private CertificateChecks() {
    }

    /** Throws with a message naming the first problem found. */
    static void check(List<X509Certificate> chain, PublicKey tokenKey, VersionRecord version,
                      Instant now, CertificateRoots roots) throws InvalidKeyRequestException {
        if (chain.isEmpty()) {
            throw new InvalidKeyRequestException("no certificate given");
        }
        X509Certificate leaf = chain.get(0);
        if (!Arrays.equals(leaf.getPublicKey().getEncoded(), tokenKey.getEncoded())) {
            // A file of CA certificates only read as a key mismatch (an officer trial).
            throw new InvalidKeyRequestException(leaf.getBasicConstraints() >= 0
                    ? "no certificate for version " + version.name() + ": the chain's first"
                            + " certificate, '" + leaf.getSubjectX500Principal() + "', is a CA"
                            + " certificate; give the version's own certificate, then its CAs'"
                    : "the certificate's public key does not match the key of version "
                            + version.name() + " in the token");
        }
        Optional<String> email = CertificateIdentity.email(leaf);
        if (email.isEmpty() || !email.get().equals(version.identity())) {
            throw new InvalidKeyRequestException("the certificate is for "
                    + email.map(e -> "'" + e + "'").orElse("no e-mail address")
                    + ", not for identity '" + version.identity() + "'");
        }
        if (leaf.getBasicConstraints() >= 0) {
            // Found by an import trial: a CA certificate was accepted as a mail identity's.
            throw new InvalidKeyRequestException("the certificate is a CA certificate"
                    + " (basicConstraints cA=true): a mail identity's certificate must not be"
                    + " one; have an end-entity certificate issued for the key");
        }
        validAt(leaf, now);
        keyUsage(leaf, version.usage(), version.algorithm());
        emailProtection(leaf);
        strongSignatures(chain);
        chainBuilds(chain, now);
        roots.require(chain, now);
    }

    /**
     * No certificate below the root signed with SHA-1 or MD5: collisions make such signatures
     * forgeable (SHAttered), and the CA/Browser Forum's S/MIME Baseline Requirements forbid them
     * (found by an officer trial). A root's signature on itself vouches for nothing, so it may.
     */
    static void strongSignatures(List<X509Certificate> chain)
            throws InvalidKeyRequestException {
        for (int i = 0; i < chain.size(); i++) {
            X509Certificate c = chain.get(i);
            Optional<String> weak = weakSignature(c);
            // Only the chain's last certificate, and only if it signed itself: a leaf or a
            // re-keyed CA merely named like its issuer is no root (found by a review).
            if (weak.isPresent() && !(i == chain.size() - 1 && signedItself(c))) {
                throw new InvalidKeyRequestException("the certificate '"
                        + c.getSubjectX500Principal() + "' is signed with " + weak.get()
                        + ", which can be forged; have it issued with SHA-256 or stronger");
            }
        }
    }

    /**
     * The signature algorithm's name if it hashes with SHA-1 or MD5. RSASSA-PSS names its hash
     * in its parameters, and absent parameters mean SHA-1 (RFC 4055 section 3.1), so the name
     * alone ("RSASSA-PSS") hid a SHA-1 signature (found by a review).
     */
    private static Optional<String> weakSignature(X509Certificate c) {
        String name = c.getSigAlgName();
        String upper = name.toUpperCase(java.util.Locale.ROOT);
        if (upper.startsWith("SHA1") || upper.startsWith("MD")) {
            return Optional.of(name);
        }
        if (!PKCSObjectIdentifiers.id_RSASSA_PSS.getId().equals(c.getSigAlgOID())) {
            return Optional.empty();
        }
        byte[] params = c.getSigAlgParams();
        RSASSAPSSparams pss;
        try {
            pss = params == null ? new RSASSAPSSparams() : RSASSAPSSparams.getInstance(params);
        } catch (IllegalArgumentException e) {
            // Parameters the JDK took and Bouncy Castle cannot read: refused, not an error.
            return Optional.of(name + " with unreadable parameters");
        }
        var hash = pss.getHashAlgorithm().getAlgorithm();
        return hash.equals(OIWObjectIdentifiers.idSHA1) ? Optional.of(name + " with SHA-1")
                : hash.equals(PKCSObjectIdentifiers.md5) ? Optional.of(name + " with MD5")
                : Optional.empty();
    }

    private static boolean signedItself(X509Certificate c) {
        try {
            c.verify(c.getPublicKey());
            return c.getSubjectX500Principal().equals(c.getIssuerX500Principal());
        } catch (java.security.GeneralSecurityException e) {
            return false;
        }
    }

    static void validAt(X509Certificate leaf, Instant now)
            throws InvalidKeyRequestException {
        if (now.isAfter(leaf.getNotAfter().toInstant())) {
            throw new InvalidKeyRequestException("the certificate expired on "
                    + leaf.getNotAfter().toInstant() + " (a key kept only to decrypt old mail"
                    + " comes in with smimectl import-pkcs12 --archive)");
        }
        if (now.isBefore(leaf.getNotBefore().toInstant())) {
            throw new InvalidKeyRequestException("the certificate is not valid before "
                    + leaf.getNotBefore().toInstant());
        }
    }

    private static void keyUsage(X509Certificate leaf, KeyUsage usage, KeyAlgorithm algorithm)
            throws InvalidKeyRequestException {
        boolean[] ku = leaf.getKeyUsage();
        if (ku == null) {
            return;
        }
        if (usage.signs() && !(ku[DIGITAL_SIGNATURE] || ku[NON_REPUDIATION])) {
            throw new InvalidKeyRequestException("the certificate's key usage does not allow"
                    + " signing (digitalSignature or nonRepudiation), but the key is for "
                    + usage.name().toLowerCase());
        }
        int needed = algorithm.family() == KeyAlgorithm.Family.RSA
                ? KEY_ENCIPHERMENT : KEY_AGREEMENT;
        if (usage.decrypts() && !ku[needed]) {
            throw new InvalidKeyRequestException("the certificate's key usage does not allow"
                    + " receiving encrypted mail (" + (needed == KEY_ENCIPHERMENT
                    ? "keyEncipherment" : "keyAgreement") + "), but the key is for "
                    + usage.name().toLowerCase());
        }
    }

    private static void emailProtection(X509Certificate leaf) throws InvalidKeyRequestException {
        List<String> eku;
        try {
            eku = leaf.getExtendedKeyUsage();
        } catch (CertificateParsingException e) {
            throw new InvalidKeyRequestException("the certificate's extended key usage is"
                    + " malformed", e);
        }
        // RFC 8550 4.4.4: agents check the extension when it is present; without it the
        // certificate is not restricted (RFC 5280 4.2.1.12), as many enterprise CAs issue.
        if (eku != null && !(eku.contains(EMAIL_PROTECTION) || eku.contains(ANY_EKU))) {
            throw new InvalidKeyRequestException("the certificate's extended key usage allows"
                    + " neither emailProtection nor anyExtendedKeyUsage, so S/MIME agents refuse"
                    + " it (RFC 8550 4.4.4)");
        }
    }

    /**
     * A self-signed certificate vouches only for itself: no CA stands behind the identity, so
     * it is refused as such — asking for "its CA certificates" (as for a lone CA-issued leaf)
     * sent an interop trial looking for a chain that does not exist.
     */
    static void requireNotSelfSigned(X509Certificate leaf) throws InvalidKeyRequestException {
        if (!leaf.getSubjectX500Principal().equals(leaf.getIssuerX500Principal())) {
            return;
        }
        try {
            leaf.verify(leaf.getPublicKey());
        } catch (java.security.GeneralSecurityException e) {
            return; // names itself as issuer but another key signed it: not self-signed
        }
        throw new InvalidKeyRequestException("the certificate is self-signed ('"
                + leaf.getSubjectX500Principal() + "'): smimed takes certificates a CA issued,"
                + " with that CA's certificates up to its root");
    }

    static void chainBuilds(List<X509Certificate> chain, Instant now)
            throws InvalidKeyRequestException {
        if (chain.size() < 2) {
            requireNotSelfSigned(chain.get(0));
            throw new InvalidKeyRequestException("the chain must include the issuing CA"
                    + " certificates up to the root (only the certificate itself was given:"
                    + " put the CA certificates after it in the same file)");
        }
        X509Certificate root = chain.get(chain.size() - 1);
        try {
            root.verify(root.getPublicKey());
        } catch (GeneralSecurityException e) {
            throw new InvalidKeyRequestException("the chain's last certificate ("
                    + root.getSubjectX500Principal() + ") is not a self-signed root: add the"
                    + " CA certificates up to the root after it");
        }
        try {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            PKIXParameters parameters = new PKIXParameters(Set.of(new TrustAnchor(root, null)));
            parameters.setRevocationEnabled(false);
            parameters.setDate(Date.from(now));
            CertPathValidator.getInstance("PKIX").validate(
                    factory.generateCertPath(chain.subList(0, chain.size() - 1)), parameters);
        } catch (CertPathValidatorException e) {
            // Which link broke, by subject: "does not build" alone leaves the officer to guess
            // (found by an outside trial with a CA certificate of another issuer).
            // Index -1: the path's last certificate is not issued by the root given.
            int at = e.getIndex() >= 0 && e.getIndex() < chain.size() - 1 ? e.getIndex()
                    : chain.size() - 2;
            X509Certificate broken = chain.get(at);
            // A validity failure says when it was checked and what the certificate allows:
            // an archive import is checked as of its leaf's last valid moment, and "validity
            // check failed" for a CA valid today puzzled an officer trial.
            boolean dates = e.getReason() == CertPathValidatorException.BasicReason.EXPIRED
                    || e.getReason() == CertPathValidatorException.BasicReason.NOT_YET_VALID;
            throw new InvalidKeyRequestException("the certificate chain does not build at"
                    + " certificate " + (at + 1) + " ('" + broken.getSubjectX500Principal()
                    + "', issued by '" + broken.getIssuerX500Principal() + "'): "
                    + e.getMessage() + (dates ? " (checked as of " + now + "; it is valid from "
                    + broken.getNotBefore().toInstant() + " to "
                    + broken.getNotAfter().toInstant() + ")" : ""), e);
        } catch (GeneralSecurityException e) {
            throw new InvalidKeyRequestException("the certificate chain does not build: "
                    + e.getMessage(), e);
        }
    }
}
