package org.smimed.daemon.keys;

import java.io.ByteArrayInputStream;
import java.security.PublicKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.SubjectKeyIdentifier;
import org.smimed.daemon.token.KeyAlgorithm;
import org.smimed.daemon.token.KeyObjects;
import org.smimed.daemon.token.KeyUsage;
import org.smimed.daemon.token.TokenException;
import org.smimed.daemon.token.TokenInventory;

/**
 * Puts certificates and migrated keys onto the token, after {@link CertificateChecks}.
 *
 * <p>Write order: CA certificates, then the leaf certificate; for a PKCS#12 migration its
 * PENDING record marked incomplete, then the key pair, then the certificates, then the record
 * marked complete. So the daemon never sees a leaf without its chain, and an interrupted
 * migration leaves an incomplete record, removed at start-up with whatever it has: the
 * migration happened completely or not at all.
 */
final class KeyImports {
    /** Certificates one import may give: a leaf, intermediates and a root, with room. */
    static final int MAX_CHAIN = 16;
    private final VersionStore store;
    private final CertificateRoots roots;

    KeyImports(VersionStore store, CertificateRoots roots) {
        this.roots = roots;
        this.store = store;
    }

    /**
     * Attaches a certificate chain (PEM or DER, leaf first or in any order) to a PENDING version
     * after checking that it certifies the version's key for its identity and usage.
     */
    void certificateChain(TokenVersion version, byte[] encoded)
            throws InvalidKeyRequestException, KeyStateException, TokenException {
        KeyAdministration.requireState(version, "import a certificate for", KeyState.PENDING);
        List<X509Certificate> chain = leafFirst(parse(encoded));
        PublicKey tokenKey = store.keyObjects.publicKey(version.keyId(),
                version.record().algorithm());
        CertificateChecks.check(chain, tokenKey, version.record(), store.clock.instant(), roots);
        storeChain(version, chain);
    }

    /**
     * The certificate checks whose answer can change after the import, made again when a
     * version is activated: its dates, its signatures' strength, and the configured roots. A
     * certificate imported before admin.certificateRoots was set (or through a replica without
     * it) was activated by one officer and signed (found by an officer trial).
     */
    void recheckForActivation(TokenVersion version) throws KeyStateException {
        if (store.clock.instant().isAfter(version.chain().get(0).getNotAfter().toInstant())) {
            throw new KeyStateException(version.name() + ": the certificate has expired");
        }
        try {
            CertificateChecks.validAt(version.chain().get(0), store.clock.instant());
            // Imported before these checks existed: a SHA-1 certificate of an older release.
            CertificateChecks.strongSignatures(version.chain());
            roots.require(version.chain(), store.clock.instant());
        } catch (InvalidKeyRequestException e) {
            throw new KeyStateException("cannot activate " + version.name() + ": "
                    + e.getMessage() + "; import another certificate");
        }
    }

    /**
     * Migrates the one key and chain of a PKCS#12 file; returns the new version: PENDING, or
     * DECRYPT_ONLY for an {@code archive} key.
     */
    String pkcs12(String identity, byte[] file, char[] password, boolean archive)
            throws InvalidKeyRequestException, KeyStateException, TokenException {
        Pkcs12Contents contents = Pkcs12Contents.read(file, password);
        VersionRecord planned = checked(identity, contents, archive);
        X509Certificate leaf = contents.chain().get(0);
        KeyAlgorithm algorithm = planned.algorithm();
        KeyUsage usage = planned.usage();
            // CertificateChecks would say to append the CA certificates to the file, which
            // fits a PEM chain, not a PKCS#12 file.
        String id = store.keyObjects.newId();
        VersionRecord record = new VersionRecord(id, identity, planned.number(), planned.state(),
                algorithm, usage, planned.created(), planned.updated());
        // Marked incomplete until the key and the certificates are on the token, and written
        // before them: a crash anywhere leaves an incomplete record, and start-up removes the
        // version (as for generate: a key pair without a record is never removed).
        store.startVersion(record);
        store.keyObjects.importKeyPair(id, planned.name(), contents.key(), leaf.getPublicKey(),
                usage);
        storeChain(new TokenVersion(id, record.name(), record, false, List.of()),
                contents.chain());
        store.complete(record);
        return record.name();
    }

    /**
     * Everything a PKCS#12 migration checks before it writes, changing nothing: the chain's CA
     * certificates are there, the key is new to the token, and the certificate passes every
     * import check (configured roots included). Returns the version it would become.
     *
     * <p>An {@code archive} key decrypts old mail only, so its certificate is checked as of its
     * last valid moment: a firm moving to smimed brings keys whose certificates expired years
     * ago, and without them its archived mail cannot be read (found by an officer trial).
     */
    VersionRecord checked(String identity, Pkcs12Contents contents, boolean archive)
            throws InvalidKeyRequestException, TokenException {
        if (contents.chain().size() < 2) {
            CertificateChecks.requireNotSelfSigned(contents.chain().get(0));
            // CertificateChecks would say to append the CA certificates to the file, which
            // fits a PEM chain, not a PKCS#12 file.
            throw new InvalidKeyRequestException("the PKCS#12 file holds the certificate but"
                    + " not its CA certificates up to the root: export it again with them"
                    + " (openssl pkcs12 -export ... -certfile ca-chain.pem)");
        }
        X509Certificate leaf = contents.chain().get(0);
        requireNewKey(leaf.getPublicKey(), archive);
        if (archive && !CertificateIdentity.allowsDecryption(leaf)) {
            throw new InvalidKeyRequestException("an archive key is kept to decrypt old mail,"
                    + " and this certificate does not allow encryption to its key (key usage "
                    + "keyEncipherment or keyAgreement)");
        }
        KeyUsage usage = usage(contents.algorithm(), leaf, archive);
        Instant now = store.clock.instant();
        Instant notAfter = leaf.getNotAfter().toInstant();
        VersionRecord planned = new VersionRecord("", identity, store.nextNumber(identity),
                archive ? KeyState.DECRYPT_ONLY : KeyState.PENDING, contents.algorithm(), usage,
                now, now);
        CertificateChecks.check(contents.chain(), leaf.getPublicKey(), planned,
                archive && now.isAfter(notAfter) ? notAfter : now, roots);
        return planned;
    }

    /**
     * What the version will do: what its certificate allows, within what its key can do. An
     * archive key only decrypts, on the token too (no CKA_SIGN), whatever its certificate
     * allowed (found by a review); an Ed25519 key only signs and an X25519 key only decrypts,
     * as {@code generate} already insisted (found by an import trial: an X25519 key imported
     * with a signing certificate became the identity's signing version and could not sign).
     */
    static KeyUsage usage(KeyAlgorithm algorithm, X509Certificate leaf, boolean archive)
            throws InvalidKeyRequestException {
        boolean signs = !archive && CertificateIdentity.allowsSigning(leaf);
        boolean decrypts = CertificateIdentity.allowsDecryption(leaf);
        if (algorithm == KeyAlgorithm.ED25519) {
            if (!signs) {
                throw new InvalidKeyRequestException(archive
                        ? "an Ed25519 key only signs, and an archive key only decrypts old mail:"
                        + " import it without --archive"
                        : "an Ed25519 key only signs, and this certificate does not allow"
                        + " signing (key usage digitalSignature or nonRepudiation)");
            }
            return KeyUsage.SIGN;
        }
        if (algorithm == KeyAlgorithm.X25519) {
            if (!decrypts) {
                throw new InvalidKeyRequestException("an X25519 key only decrypts, and this"
                        + " certificate does not allow key agreement (key usage keyAgreement)");
            }
            return KeyUsage.ENCRYPT;
        }
        return archive ? KeyUsage.ENCRYPT : KeyUsage.of(signs, decrypts);
    }

    /**
     * Refuses a key some version already holds: a second import would only make a twin version
     * whose "rotation" changes nothing. Refuses, too, a key an officer destroyed (its record
     * keeps the public key's hash) unless it comes back as an {@code archive} key: a destroyed
     * key — retired, perhaps compromised — must never sign again from an old backup, while
     * decrypting the mail sent to it is what a backup is kept for.
     */
    void requireNewKey(PublicKey key, boolean archive)
            throws InvalidKeyRequestException, TokenException {
        byte[] wanted = key.getEncoded();
        String hash = CertificateSummary.sha256(wanted);
        for (TokenVersion v : store.versions()) {
            if (v.state() == KeyState.DESTROYED) {
                if (!archive && v.record().destroyedKey().equals(hash)) {
                    throw new InvalidKeyRequestException("the PKCS#12 file's key was destroyed"
                            + " as " + v.name() + " on " + v.record().updated() + "; a destroyed"
                            + " key does not sign again: import it with --archive to decrypt"
                            + " old mail only");
                }
                continue;
            }
            if (Arrays.equals(store.publicKey(v).getEncoded(), wanted)) {
                throw new InvalidKeyRequestException("the PKCS#12 file's key is already in the"
                        + " token as " + v.name() + "; it was not imported again");
            }
        }
    }

    private void storeChain(TokenVersion version, List<X509Certificate> chain)
            throws TokenException {
        List<TokenInventory.CertificateObject> present = new TokenInventory(store.token).read()
                .certificates();
        for (X509Certificate ca : chain.subList(1, chain.size())) {
            boolean known = present.stream().anyMatch(p -> p.certificate().equals(ca));
            if (!known) {
                store.objects.storeCertificate(caId(ca),
                        "ca:" + ca.getSubjectX500Principal().getName(), ca);
            }
        }
        // A re-import replaces the leaf; old first, so the key store never sees two.
        store.keyObjects.destroy(version.keyId(),
                KeyObjects.ObjectClass.CERTIFICATE);
        store.objects.storeCertificate(HexFormat.of().parseHex(version.keyId()), version.name(),
                chain.get(0));
    }

    /** A CA certificate's CKA_ID: its subjectKeyIdentifier, as the demo provisioning does. */
    private static byte[] caId(X509Certificate ca) {
        byte[] ext = ca.getExtensionValue(Extension.subjectKeyIdentifier.getId());
        if (ext == null) {
            return Arrays.copyOf(ca.getSubjectX500Principal().getEncoded(), 20);
        }
        return SubjectKeyIdentifier.getInstance(ASN1OctetString.getInstance(ext).getOctets())
                .getKeyIdentifier();
    }

    private static List<X509Certificate> parse(byte[] encoded) throws InvalidKeyRequestException {
        try {
            List<X509Certificate> list = new ArrayList<>();
            for (Certificate c : CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(encoded))) {
                list.add((X509Certificate) c);
            }
            if (list.isEmpty()) {
                throw new InvalidKeyRequestException("no certificate found (PEM or DER expected)");
            }
            // Ordering compares every pair: thousands of certificates in one 4 MiB request held
            // the officer lock (and the health probe behind it) for minutes (a security review).
            if (list.size() > MAX_CHAIN) {
                throw new InvalidKeyRequestException(list.size() + " certificates given, more"
                        + " than a chain of " + MAX_CHAIN + ": give the certificate and the CA"
                        + " certificates that certify it, up to the root");
            }
            return list;
        } catch (CertificateException e) {
            throw new InvalidKeyRequestException("cannot parse the certificate chain (PEM or DER"
                    + " expected)");
        }
    }

    /**
     * Orders a chain leaf first: the leaf is the certificate that issued no other. Certificates
     * that are no link of the leaf's chain are left out; when that is all of the others, the
     * officer is told so (an outside trial gave a leaf and an unrelated root and was told that
     * only the certificate itself had been given).
     */
    private static List<X509Certificate> leafFirst(List<X509Certificate> certificates)
            throws InvalidKeyRequestException {
        List<X509Certificate> ordered = new ArrayList<>();
        X509Certificate leaf = certificates.stream().filter(c -> certificates.stream().noneMatch(
                o -> o != c && o.getIssuerX500Principal().equals(c.getSubjectX500Principal())))
                .findFirst().orElse(certificates.get(0));
        ordered.add(leaf);
        X509Certificate current = leaf;
        while (ordered.size() < certificates.size()) {
            X509Certificate at = current;
            X509Certificate issuer = certificates.stream().filter(c -> !ordered.contains(c)
                    && c.getSubjectX500Principal().equals(at.getIssuerX500Principal()))
                    .findFirst().orElse(null);
            if (issuer == null) {
                break;
            }
            ordered.add(issuer);
            current = issuer;
        }
        if (ordered.size() == 1 && certificates.size() > 1) {
            throw new InvalidKeyRequestException("none of the other " + (certificates.size() - 1)
                    + " certificate(s) given issued the certificate (its issuer is "
                    + leaf.getIssuerX500Principal() + "): give the CA certificates that"
                    + " certify it, up to the root");
        }
        return ordered;
    }
}
