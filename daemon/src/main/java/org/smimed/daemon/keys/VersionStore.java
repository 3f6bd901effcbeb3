package org.smimed.daemon.keys;

import java.math.BigInteger;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.smimed.daemon.token.KeyAlgorithm;
import org.smimed.daemon.token.KeyObjects;
import org.smimed.daemon.token.MissingRecordException;
import org.smimed.daemon.token.Pkcs11Token;
import org.smimed.daemon.token.TokenException;
import org.smimed.daemon.token.TokenInventory;
import org.smimed.daemon.token.TokenKeyHandles;
import org.smimed.daemon.token.TokenObjects;

/**
 * The key versions on one token and the registry served from them. Reads the token again after
 * every change and swaps the registry's snapshot, so requests never walk the token.
 *
 * <p>Not thread-safe for writers: {@link KeyAdministration} serialises changes.
 */
final class VersionStore {
    final Pkcs11Token token;
    final TokenObjects objects;
    final KeyObjects keyObjects;
    final Clock clock;
    private final TokenInventory inventory;
    private final TokenKeyHandles handles;
    private final KeyRegistry registry;
    private volatile TokenReading.Result reading;

    VersionStore(Pkcs11Token token, TokenObjects objects, KeyObjects keyObjects, Clock clock)
            throws TokenException {
        this.token = token;
        this.objects = objects;
        this.keyObjects = keyObjects;
        this.clock = clock;
        this.inventory = new TokenInventory(token);
        this.handles = new TokenKeyHandles(token);
        this.reading = readToken();
        this.registry = build();
    }

    KeyRegistry registry() {
        return registry;
    }

    TokenReading.Result reading() {
        return reading;
    }

    /** Reads the token again and serves what it holds now. */
    void reload() throws TokenException {
        reading = readToken();
        registry.replaceWith(build());
    }

    /**
     * After a token fault: reads the token again, but serves the result only if it still holds
     * every version served now, or its state record says an officer destroyed it. A token fault
     * never removes keys from service (officers do, here or through another daemon on the same
     * token); a partial view means the objects are not back yet.
     */
    void reloadAfterFault() throws TokenException {
        adopt(readToken());
    }

    /**
     * Follows officer changes made through another daemon sharing the token (or any other
     * writer of smimed's state records): reads the token and, when a version appeared, changed
     * state or got a certificate since the last reading, serves what it holds now, under the
     * same rule as {@link #reloadAfterFault}. Returns what changed, by version (empty: nothing
     * did). Key handles
     * are reloaded only then, so an unchanged token costs one object walk.
     */
    List<String> followChanges() throws TokenException {
        TokenReading.Result fresh = readToken();
        Map<String, Served> before = summary(reading);
        Map<String, Served> after = summary(fresh);
        if (after.equals(before)) {
            return List.of();
        }
        adopt(fresh);
        return changes(before, after);
    }

    /**
     * What changed between two readings, one line per change and version, by name: an
     * operator (and an auditor comparing with the audit logs of the other replicas) must be
     * able to tell which decision was made elsewhere — or by a PKCS#11 tool, which no
     * smimed audit log records.
     */
    private static List<String> changes(Map<String, Served> before, Map<String, Served> after) {
        Set<String> names = new TreeSet<>(before.keySet());
        names.addAll(after.keySet());
        List<String> changes = new ArrayList<>();
        for (String name : names) {
            Served was = before.get(name);
            Served now = after.get(name);
            if (was == null) {
                changes.add(name + " new, " + now.state());
            } else if (now == null) {
                changes.add(name + " gone from the token");
            } else if (!was.equals(now)) {
                // Only versions whose summary differs: naming every version read (as an
                // operator trial found) hides the one decision made elsewhere.
                if (was.state() != now.state()) {
                    changes.add(name + " " + was.state() + " -> " + now.state());
                }
                if (!was.leafSerial().equals(now.leafSerial())) {
                    changes.add(name + " certificate " + serial(was) + " -> " + serial(now));
                }
                if (was.state() == now.state() && was.leafSerial().equals(now.leafSerial())) {
                    changes.add(name + recordChange(was, now));
                }
            }
        }
        return changes;
    }

    /**
     * Same state and certificate, another record: a legacy version (no record on the token)
     * has none to rewrite, so only a record written for it, or one gone, is news.
     */
    private static String recordChange(Served was, Served now) {
        if (was.legacy() == now.legacy()) {
            return " state record rewritten, still " + now.state();
        }
        return now.legacy() ? " state record gone, served as a legacy " + now.state()
                : " state record written, still " + now.state();
    }

    private static String serial(Served served) {
        return served.leafSerial().map(n -> "serial " + CertificateSummary.serial(n))
                .orElse("none");
    }

    private void adopt(TokenReading.Result fresh) throws TokenException {
        KeyRegistry rebuilt = registryOf(fresh);
        Set<String> missing = versionIds(registry);
        missing.removeAll(versionIds(rebuilt));
        fresh.versions().stream().filter(v -> v.state() == KeyState.DESTROYED)
                .forEach(v -> missing.remove(v.name()));
        if (!missing.isEmpty()) {
            throw new TokenException(TokenException.Kind.UNAVAILABLE, missing.size()
                    + " served key version(s) not visible on token '" + token.label()
                    + "': " + new TreeSet<>(missing));
        }
        reading = fresh;
        registry.replaceWith(rebuilt);
    }

    /**
     * What serving a version depends on; the leaf's serial is empty without a certificate. A
     * legacy version's {@code updated} is made up from its certificate (stable across readings).
     */
    private record Served(KeyState state, Instant updated, boolean legacy,
                          Optional<BigInteger> leafSerial) {}

    private static Map<String, Served> summary(TokenReading.Result reading) {
        Map<String, Served> summary = new HashMap<>();
        for (TokenVersion v : reading.versions()) {
            summary.put(v.name(), new Served(v.state(), v.record().updated(), v.legacy(),
                    v.chain().stream().findFirst().map(X509Certificate::getSerialNumber)));
        }
        return summary;
    }

    private static Set<String> versionIds(KeyRegistry registry) {
        Set<String> ids = new HashSet<>();
        for (String identity : registry.identities()) {
            try {
                registry.versionsOf(identity).forEach(v -> ids.add(v.id()));
            } catch (UnknownIdentityException e) {
                // Listed a moment ago: snapshots are immutable, so this cannot happen.
                throw new IllegalStateException(e);
            }
        }
        return ids;
    }

    private KeyRegistry build() throws TokenException {
        return registryOf(reading);
    }

    /**
     * The versions of {@code read} served with their handles; an EC signing key that does not
     * sign as its certificate says (replaced outside smimed) is missing its key, as an RSA key
     * whose modulus differs already is (see {@link TokenKeyHandles#signsAs}).
     */
    private KeyRegistry registryOf(TokenReading.Result read) throws TokenException {
        Map<String, PrivateKey> loaded = handles.load();
        List<TokenVersion> served = new ArrayList<>();
        List<UnservedVersion> unserved = new ArrayList<>(read.unserved());
        read.keyless().forEach(v -> unserved.add(
                new UnservedVersion(v.name(), UnservedVersion.Reason.KEY_MISSING)));
        List<String> problems = new ArrayList<>(read.problems());
        for (TokenVersion v : read.versions()) {
            PrivateKey key = loaded.get(v.name());
            if (key != null && !v.chain().isEmpty() && v.state() != KeyState.PENDING
                    && v.record().algorithm().family() == KeyAlgorithm.Family.EC
                    && v.record().usage().signs() && !handles.signsAs(key, v.chain().get(0))) {
                unserved.add(new UnservedVersion(v.name(), UnservedVersion.Reason.KEY_MISSING));
                problems.add(TokenReading.keyMissing(v.name(), "the private key under its id"
                        + " and label is not the key its certificate names: replaced outside"
                        + " smimed?"));
            } else {
                served.add(v);
            }
        }
        return KeyRegistry.of(served, loaded, problems, unserved, clock);
    }

    List<TokenVersion> versions() {
        return reading.versions();
    }

    TokenVersion find(String name) throws UnknownKeyVersionException {
        // Identities are found whatever the case of the address (as Sign and list find them);
        // a version name's identity part the same way.
        for (TokenVersion v : reading.versions()) {
            if (v.name().equals(name)) {
                return v;
            }
        }
        String normalised = normalised(name);
        for (TokenVersion v : reading.versions()) {
            if (normalised(v.name()).equals(normalised)) {
                return v;
            }
        }
        throw new UnknownKeyVersionException("unknown key version '" + name
                + "' (names look like identity/vN; see list)");
    }

    /** The recorded version {@code name} if its private key is missing from the token. */
    Optional<TokenVersion> findKeyless(String name) {
        String normalised = normalised(name);
        return reading.keyless().stream().filter(v -> normalised(v.name()).equals(normalised))
                .findFirst();
    }

    /** A version name with its identity part as identities are matched (legacy labels too). */
    private static String normalised(String name) {
        return VersionName.parse(name).map(p -> VersionName.of(
                CertificateIdentity.normalise(p.identity()), p.number())).orElse(name);
    }

    /**
     * Writes the incomplete record that starts a new version, unless another writer on the
     * token made a record for the same name at the same time or since this daemon last read
     * it: then nothing is written, the token is read again (so the next number is free) and
     * the officer is told to try again.
     */
    void startVersion(VersionRecord record) throws TokenException, KeyStateException {
        if (!keyObjects.createDataAlone(record.name(), record.completed(false).encode())) {
            reload();
            throw new KeyStateException(record.name() + " was made at the same moment through"
                    + " another daemon on this token; nothing was made here: try again");
        }
    }

    /**
     * After {@link #startVersion}, when making the version failed: its unfinished record stays
     * for start-up to remove, and the token is read again, so that a retry takes the next
     * number rather than this one (it was told another daemon had made it; found by a review).
     */
    void abandonVersion() {
        try {
            reload();
        } catch (TokenException e) {
            // The failure the officer hears says what is wrong with the token; the next
            // health probe reads it again.
        }
    }

    /** The next free version number of {@code identity}; DESTROYED tombstones keep theirs. */
    int nextNumber(String identity) {
        int versions = reading.versions().stream()
                .filter(v -> v.record().identity().equals(identity))
                .mapToInt(v -> v.record().number()).max().orElse(0);
        // An object an interrupted operation left with a version label counts too: the next
        // version must not share its label (found by an outside trial: two public keys
        // labelled x/v1 after a killed generate and a new one).
        return Math.max(versions, reading.highestNumbers().getOrDefault(identity, 0)) + 1;
    }

    /**
     * The token's objects as versions; a version without a certificate whose key is gone is
     * named with its public key's fingerprint, which destroy asks for.
     */
    private TokenReading.Result readToken() throws TokenException {
        return TokenReading.of(inventory.read(), v -> {
            try {
                return Optional.of(CertificateSummary.sha256(publicKey(v).getEncoded()));
            } catch (TokenException e) {
                return Optional.empty(); // no single public key object either
            }
        });
    }

    /** The version's public key: its certificate's, else the token's public key object. */
    PublicKey publicKey(TokenVersion v) throws TokenException {
        return v.certificate().isPresent() ? v.certificate().get().getPublicKey()
                : keyObjects.publicKey(v.keyId(), v.record().algorithm());
    }

    /**
     * Writes {@code version} in state {@code next}; a legacy version gets its first record (the
     * only create-or-update: it was read without one). A versioned one whose record has gone
     * from the token since it was read is refused, nothing written, and the token read again so
     * what is served is what it holds.
     */
    void save(TokenVersion version, KeyState next) throws TokenException, KeyStateException {
        save(version, version.record().with(next, clock.instant()));
    }

    /** Writes {@code version} DESTROYED, with the SHA-256 of the public key it held. */
    void saveDestroyed(TokenVersion version, String publicKeySha256)
            throws TokenException, KeyStateException {
        save(version, version.record().destroyed(publicKeySha256, clock.instant()));
    }

    private void save(TokenVersion version, VersionRecord record)
            throws TokenException, KeyStateException {
        if (version.legacy()) {
            keyObjects.createData(record.name(), record.encode());
            return;
        }
        try {
            keyObjects.updateData(record.name(), record.encode());
        } catch (MissingRecordException e) {
            reload();
            throw missingRecord(e);
        }
    }

    /**
     * Replaces {@code record}'s incomplete form (written before a generate's or an import's
     * objects) with {@code record} itself.
     */
    void complete(VersionRecord record) throws TokenException, KeyStateException {
        try {
            keyObjects.updateData(record.name(), record.encode());
        } catch (MissingRecordException e) {
            // Written a moment ago and removed since by another writer: the key and its
            // certificate without a record must not stay, so they go too.
            for (KeyObjects.ObjectClass c : KeyObjects.ObjectClass.values()) {
                keyObjects.destroy(record.keyId(), c);
            }
            throw missingRecord(e);
        }
    }

    /** The officer's error for a record removed outside the daemon. */
    static KeyStateException missingRecord(MissingRecordException e) {
        return new KeyStateException(e.label() + ": its state record was removed from the token"
                + " outside smimed, so the state change was not written; list the versions to"
                + " see what the token holds now", e);
    }
}
