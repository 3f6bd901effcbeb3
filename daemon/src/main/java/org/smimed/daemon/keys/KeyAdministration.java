package org.smimed.daemon.keys;

import java.lang.System.Logger.Level;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.bouncycastle.asn1.x500.X500Name;
import org.smimed.daemon.token.KeyAlgorithm;
import org.smimed.daemon.token.KeyObjects;
import org.smimed.daemon.token.KeyUsage;
import org.smimed.daemon.token.Pkcs11Token;
import org.smimed.daemon.token.TokenContentSigner;
import org.smimed.daemon.token.TokenDescription;
import org.smimed.daemon.token.TokenException;
import org.smimed.daemon.token.TokenObjects;

/**
 * What security officers do with keys: generate, request certificates, import, activate,
 * disable, destroy, list. The token is the only store: every change is written to the token
 * first, then the token is read again and the served registry swapped.
 *
 * <p>Security guarantees: keys are generated in the token sensitive and non-extractable; only
 * a DISABLED version (or one whose key is gone) can be destroyed, and only with its
 * fingerprint; activating a version demotes the identity's ACTIVE versions that do one of its
 * jobs (signing, decryption) to DECRYPT_ONLY, so old mail still decrypts; a separate signing
 * key and encryption key of one identity are both ACTIVE.
 * Writes are ordered so that a crash never leaves anything the daemon would use half-made (see
 * {@link TokenReading}, {@link StartupRepair}). Changes are serialised within this daemon.
 */
public final class KeyAdministration {
    private static final System.Logger LOG = System.getLogger(KeyAdministration.class.getName());

    private final VersionStore store;
    private final KeyImports imports;
    private final List<Repair> repairs;
    private final VersionView view;

    private KeyAdministration(VersionStore store, List<Repair> repairs, CertificateRoots roots) {
        this.store = store;
        this.imports = new KeyImports(store, roots);
        this.repairs = List.copyOf(repairs);
        this.view = new VersionView(store);
    }

    /** Reads the token's versions, repairs interrupted operations and logs each repair. */
    public static KeyAdministration open(Pkcs11Token token, SecureRandom random, Clock clock)
            throws TokenException {
        return open(token, random, clock, CertificateRoots.any());
    }

    /** As above; imported certificates must chain to one of {@code roots} (if any). */
    public static KeyAdministration open(Pkcs11Token token, SecureRandom random, Clock clock,
                                         CertificateRoots roots) throws TokenException {
        VersionStore store = new VersionStore(token, new TokenObjects(token, random),
                new KeyObjects(token, random), clock);
        List<Repair> repairs = StartupRepair.run(store);
        repairs.forEach(r -> LOG.log(Level.WARNING, "token leftover repaired: " + r));
        store.registry().problems().forEach(p -> LOG.log(Level.WARNING, "token: " + p));
        return new KeyAdministration(store, repairs, roots);
    }

    /** The registry the client services read; swapped after every change. */
    public KeyRegistry registry() {
        return store.registry();
    }

    /**
     * Re-fetches every key handle after a token fault (re-login, objects re-created) and serves
     * them, provided the token shows every version served now; otherwise fails UNAVAILABLE and
     * keeps serving the old snapshot. Serialised with officer changes.
     */
    public synchronized void refreshAfterTokenFault() throws TokenException {
        store.reloadAfterFault();
    }

    /**
     * Serves officer changes made through another daemon on the same token: replicas share
     * their keys and key states through the token, and the health probe calls this on each
     * round. Returns what changed (one line per change, naming the version; empty if
     * nothing); throws UNAVAILABLE, serving the old snapshot, when a served version vanished
     * without an officer destroying it.
     */
    public synchronized List<String> followChangesElsewhere() throws TokenException {
        return store.followChanges();
    }

    /** What start-up repaired, one line each. */
    public List<Repair> repairs() {
        return repairs;
    }

    /** Generates a key pair in the token as the identity's next version, PENDING. */
    public synchronized TokenVersion generate(String identity, KeyAlgorithm algorithm,
                                              KeyUsage usage)
            throws InvalidKeyRequestException, TokenException, UnknownKeyVersionException,
            KeyStateException {
        String normalised = identity(identity);
        if (algorithm == KeyAlgorithm.ED25519 && usage.decrypts()
                || algorithm == KeyAlgorithm.X25519 && usage.signs()) {
            throw new InvalidKeyRequestException(algorithm == KeyAlgorithm.ED25519
                    ? "an Ed25519 key only signs: use usage sign"
                    : "an X25519 key only decrypts: use usage encrypt");
        }
        // Read once each: name and record share the number, created and updated the moment.
        int number = store.nextNumber(normalised);
        Instant now = store.clock.instant();
        String name = VersionName.of(normalised, number);
        byte[] id = store.objects.newId();
        VersionRecord record = new VersionRecord(HexFormat.of().formatHex(id), normalised,
                number, KeyState.PENDING, algorithm, usage, now, now);
        // Record first, marked incomplete, key second, then the record completed: a crash
        // anywhere leaves an incomplete record, and start-up removes that version with what
        // of it was made; a key pair without a record is never an interrupted generate.
        store.startVersion(record);
        try {
            store.objects.generate(id, name, algorithm, usage);
        } catch (TokenException | RuntimeException e) {
            store.abandonVersion();
            throw e;
        }
        store.complete(record);
        return changed(name, "generated");
    }

    /** A PKCS#10 request for {@code version}, signed in the token. */
    public synchronized byte[] createCsr(String version, String subject, String email)
            throws InvalidKeyRequestException, UnknownKeyVersionException, KeyStateException,
            TokenException {
        TokenVersion v = store.find(version);
        requireState(v, "create a certificate request for", KeyState.PENDING, KeyState.ACTIVE,
                KeyState.DECRYPT_ONLY);
        String address = email.isBlank() ? v.record().identity()
                : CertificateIdentity.normalise(email);
        if (!address.equals(v.record().identity())) {
            throw new InvalidKeyRequestException("e-mail '" + email + "' is not the identity '"
                    + v.record().identity() + "' of " + version);
        }
        if (!v.record().usage().signs()) {
            // No CKA_SIGN: the token refused, and officers saw INTERNAL (a security trial).
            boolean x25519 = v.record().algorithm() == KeyAlgorithm.X25519;
            throw new InvalidKeyRequestException(version + (x25519 ? " is an X25519 key"
                    : " is an encryption-only key (usage encrypt)") + ", which cannot sign a"
                    + " certificate request: have the CA certify its public key (smimectl"
                    + " public-key) and import the certificate" + (x25519 ? " (RFC 8418)" : ""));
        }
        PublicKey publicKey = store.keyObjects.publicKey(v.keyId(), v.record().algorithm());
        return CsrFactory.build(v.record(), subject, inheritedSubject(v), address, publicKey,
                new TokenContentSigner(store.token, v.keyId(), v.record().algorithm()));
    }

    /**
     * The subject of the identity's newest certificate, exactly as encoded there: a rotation's
     * request then names the holder as before without the officer typing it again (found by
     * an outside trial: v2's request said CN=address where v1 said CN=Bob,O=Example).
     */
    private Optional<X500Name> inheritedSubject(TokenVersion requesting) {
        return store.versions().stream()
                .filter(t -> t.record().identity().equals(requesting.record().identity()))
                .filter(t -> !t.chain().isEmpty())
                .max(Comparator.comparingInt(t -> t.record().number()))
                .map(t -> X500Name.getInstance(
                        t.chain().get(0).getSubjectX500Principal().getEncoded()));
    }

    /** {@code version}'s public key, for a CA to certify a key that cannot sign (RFC 8418). */
    public PublicKey publicKey(String version) throws UnknownKeyVersionException, TokenException {
        return store.publicKey(store.find(version));
    }

    /** See {@link KeyImports#certificateChain}. */
    public synchronized TokenVersion importCertificateChain(String version, byte[] chain)
            throws InvalidKeyRequestException, UnknownKeyVersionException, KeyStateException,
            TokenException {
        imports.certificateChain(store.find(version), chain);
        return changed(version, "certificate imported");
    }

    /** See {@link KeyImports#pkcs12}; the file bytes and password are wiped. */
    public synchronized TokenVersion importPkcs12(String identity, byte[] file, char[] password,
            boolean archive) throws InvalidKeyRequestException, KeyStateException,
            TokenException, UnknownKeyVersionException {
        try {
            return changed(imports.pkcs12(identity(identity), file, password, archive),
                    archive ? "imported as an archive key" : "imported");
        } finally {
            java.util.Arrays.fill(file, (byte) 0);
            java.util.Arrays.fill(password, '\0');
        }
    }

    /**
     * Makes a PENDING version with a certificate the identity's ACTIVE version for what its
     * usage allows: the key that signs, the key new mail is encrypted to, or both.
     */
    public synchronized TokenVersion activate(String version)
            throws UnknownKeyVersionException, KeyStateException, TokenException {
        return makeActive(checkActivate(version));
    }

    /**
     * {@link #activate} if the certificate's SHA-256 is still {@code certificateSha256}: the
     * approver approved that one, not whatever an import-cert put there since (a review).
     */
    public synchronized TokenVersion activate(String version, String certificateSha256)
            throws UnknownKeyVersionException, KeyStateException, TokenException {
        TokenVersion v = checkActivate(version);
        Optional<String> now = view.fingerprint(v);
        if (!now.map(certificateSha256::equals).orElse(false)) {
            throw new KeyStateException(version + ": its certificate changed since activation"
                    + " was requested (now sha256 " + now.orElse("none") + "); request the"
                    + " activation again");
        }
        return makeActive(v);
    }

    /** Writes a checked PENDING version ACTIVE and demotes the versions it takes over from. */
    private TokenVersion makeActive(TokenVersion v) throws TokenException, KeyStateException,
            UnknownKeyVersionException {
        // New ACTIVE first, old ones demoted second: a crash in between leaves two ACTIVE
        // versions doing one job, which start-up resolves in favour of the newer. A version
        // doing another job (a separate signing or encryption key) stays ACTIVE. A legacy
        // version to be demoted gets its record (still ACTIVE) before anything else: start-up
        // reads a legacy version beside an activated later one as a lost record.
        List<TokenVersion> legacy = store.versions().stream().filter(other -> other.legacy()
                && other.record().identity().equals(v.record().identity())
                && other.record().usage().overlaps(v.record().usage())).toList();
        for (TokenVersion other : legacy) {
            store.save(other, KeyState.ACTIVE);
        }
        if (!legacy.isEmpty()) {
            store.reload(); // they are recorded versions now, updated rather than created below
        }
        store.save(v, KeyState.ACTIVE);
        for (TokenVersion other : store.versions()) {
            if (other.record().identity().equals(v.record().identity())
                    && other.state() == KeyState.ACTIVE && !other.keyId().equals(v.keyId())
                    && other.record().usage().overlaps(v.record().usage())) {
                store.save(other, KeyState.DECRYPT_ONLY);
            }
        }
        return changed(v.name(), "activated");
    }

    /**
     * What {@link #activate} checks, changing nothing (dual control): PENDING, certified, the
     * certificate current and (if configured) from an accepted CA.
     */
    public synchronized TokenVersion checkActivate(String version)
            throws UnknownKeyVersionException, KeyStateException {
        TokenVersion v = store.find(version);
        if (v.state() == KeyState.PENDING && v.chain().isEmpty()) {
            throw new KeyStateException(version + " is PENDING without a certificate: create a"
                    + " CSR, have it certified, import-cert, then activate");
        }
        requireState(v, "activate", KeyState.PENDING);
        imports.recheckForActivation(v);
        return v;
    }

    /** Stops a version from signing and decrypting, for good (only destroy follows). */
    public synchronized TokenVersion disable(String version)
            throws UnknownKeyVersionException, KeyStateException, TokenException {
        store.save(checkDisable(version), KeyState.DISABLED);
        return changed(version, "disabled");
    }

    /** What {@link #disable} checks, changing nothing (dual control). */
    public synchronized TokenVersion checkDisable(String version)
            throws UnknownKeyVersionException, KeyStateException {
        TokenVersion v = store.find(version);
        requireState(v, "disable", KeyState.PENDING, KeyState.ACTIVE, KeyState.DECRYPT_ONLY);
        return v;
    }

    /**
     * Removes a DISABLED version's private key, public key and certificate from the token,
     * keeping a DESTROYED record so the version number is never reused; also what is left of a
     * version whose private key went missing (whatever its recorded state: it is not served).
     *
     * @param fingerprint SHA-256 of the certificate (of the public key if it never had one),
     *                    hex, colons and case ignored
     */
    public synchronized TokenVersion destroy(String version, String fingerprint)
            throws UnknownKeyVersionException, KeyStateException, InvalidKeyRequestException,
            TokenException {
        TokenVersion v = checkDestroy(version, fingerprint);
        boolean keyless = store.findKeyless(version).isPresent();
        // Evidence of destruction per certificate (an auditor's question): once destroyed,
        // neither the token nor the version's record holds the certificate any more.
        LOG.log(Level.INFO, "destroying key version " + version + ": " + v.certificate()
                .map(c -> "certificate " + CertificateSummary.of(c))
                .orElse("no certificate, public key sha256 " + view.fingerprint(v).orElse("?")));
        // The record says DESTROYED before anything goes: a crash midway is finished at
        // start-up, and nothing half-destroyed is ever served. It keeps the public key's hash,
        // so a backup of the key is recognised at import.
        store.saveDestroyed(v, CertificateSummary.sha256(store.publicKey(v).getEncoded()));
        store.keyObjects.destroy(v.keyId(), KeyObjects.ObjectClass.CERTIFICATE);
        if (!keyless) { // never a key that reappeared in between: it was not disabled
            store.keyObjects.destroy(v.keyId(), KeyObjects.ObjectClass.PRIVATE_KEY);
        }
        store.keyObjects.destroy(v.keyId(), KeyObjects.ObjectClass.PUBLIC_KEY);
        return changed(version, "destroyed");
    }

    /** What {@link #destroy} checks, changing nothing (dual control asks no one in vain). */
    public synchronized TokenVersion checkDestroy(String version, String fingerprint)
            throws UnknownKeyVersionException, KeyStateException, InvalidKeyRequestException,
            TokenException {
        if (store.findKeyless(version).isPresent()) {
            // Asked of the token now, not of the last reading: a key restored since must be
            // disabled first like any other (found by a review).
            store.reload();
        }
        Optional<TokenVersion> keyless = store.findKeyless(version);
        // A version whose key is gone cannot be served, so there is nothing to disable first.
        TokenVersion v = keyless.isPresent() ? keyless.get() : store.find(version);
        if (keyless.isEmpty()) {
            requireState(v, "destroy", KeyState.DISABLED);
        }
        view.requireConfirmation(v, fingerprint);
        return v;
    }

    /**
     * Checks that {@code identity} is an address and that the PKCS#12 file opens with the
     * password and holds one key matching its certificate, a key no version holds yet, and
     * that the certificate passes every import check (so dual control never holds an import
     * that must fail); changes nothing, wipes nothing. Returns the certificate, to show the
     * approving officer.
     */
    public synchronized X509Certificate checkPkcs12(String identity, byte[] file, char[] password,
            boolean archive) throws InvalidKeyRequestException, TokenException {
        Pkcs12Contents contents = Pkcs12Contents.read(file, password);
        imports.checked(identity(identity), contents, archive);
        return contents.chain().get(0);
    }

    /** Every version on the token, DESTROYED ones included, by identity and number. */
    public List<TokenVersion> list() {
        return store.versions();
    }

    /** What an officer is shown of a version beyond its record. */
    public VersionView view() {
        return view;
    }

    public TokenDescription tokenInfo() throws TokenException {
        return TokenDescription.of(store.token);
    }

    private TokenVersion changed(String name, String done)
            throws TokenException, UnknownKeyVersionException {
        store.reload();
        TokenVersion v = store.find(name);
        LOG.log(Level.INFO, "key version " + name + " " + done + "; it is " + v.state());
        return v;
    }

    static void requireState(TokenVersion v, String operation, KeyState... allowed)
            throws KeyStateException {
        if (v.legacy() && VersionName.parse(v.name()).isEmpty()) {
            throw new KeyStateException(v.name() + " is a legacy key not named identity/vN;"
                    + " it can only be listed");
        }
        for (KeyState s : allowed) {
            if (v.state() == s) {
                return;
            }
        }
        throw new KeyStateException("cannot " + operation + " " + v.name() + ": it is "
                + v.state() + " (allowed from " + List.of(allowed) + ")");
    }

    private static String identity(String identity) throws InvalidKeyRequestException {
        String normalised = CertificateIdentity.normalise(identity);
        Optional<String> why = VersionName.whyNotAnAddress(normalised);
        if (why.isPresent()) {
            throw new InvalidKeyRequestException("identity '" + identity + "' cannot be"
                    + " used: " + why.get());
        }
        return normalised;
    }
}
