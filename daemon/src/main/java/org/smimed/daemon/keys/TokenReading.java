package org.smimed.daemon.keys;

import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.smimed.daemon.token.KeyAlgorithm;
import org.smimed.daemon.token.KeyObjects.ObjectClass;
import org.smimed.daemon.token.KeyUsage;
import org.smimed.daemon.token.TokenInventory;

/**
 * Turns the token's objects into key versions, and names the leftovers of interrupted
 * operations. Objects of one version share a CKA_ID.
 *
 * <p>Rules: a state record with a private key is a version in the record's state; a private key
 * with a certificate and no record is a legacy ACTIVE version. Leftovers are exactly what one
 * of smimed's own operations leaves when interrupted: a private key with neither certificate
 * nor record (generate or PKCS#12 import cut off before the record), a lone public key with
 * neither private key, certificate nor record (generate killed inside C_GenerateKeyPair, which
 * SoftHSM2 writes public half first), a record still marked incomplete (a PKCS#12 import cut
 * off before it finished; never served) and a DESTROYED record whose objects still exist (a
 * destroy cut off midway, finished by removing them). No operation writes a complete record
 * before its private key, or a certificate without it: a complete record (PENDING, ACTIVE,
 * DECRYPT_ONLY, DISABLED) or a version-labelled certificate whose private key is missing was
 * whole once and lost the key to a token fault or a hand. Such a version is not served (it
 * cannot sign or decrypt) but left as it is, certificate and record included, and named as a
 * problem, so a key that comes back (a transient fault) is served again after a restart.
 * Only objects labelled like a version ({@code identity/vN}) are ever called leftovers, so
 * other applications' objects are safe. A version whose key's usages are not fixed, or whose
 * key the token would hand out, is named as a problem (logged at start-up, listed by ListKeys).
 */
public final class TokenReading {
    private static final int MAX_CHAIN = 8;
    /** Keys made before smimed set CKA_MODIFIABLE and CKA_COPYABLE false; only rotation helps. */
    static final String USAGES_NOT_FIXED = "its private key is modifiable or copyable"
            + " (CKA_MODIFIABLE or CKA_COPYABLE true), so anyone with the user PIN can add"
            + " usages to it; rotate to a new version (smimectl rotate)";
    /**
     * A key whose value the token would hand out: smimed never makes or imports one, so it was
     * placed under a version's label by hand. Served still (refusing would stop the mail it
     * signs or opens), but named at start-up and in ListKeys, since the guarantee that keys
     * never leave the token does not hold for it.
     */
    static final String KEY_CAN_LEAVE = "its private key can leave the token (CKA_SENSITIVE"
            + " false or CKA_EXTRACTABLE true), so anyone with the user PIN can read it; rotate"
            + " to a new version (smimectl rotate) and destroy this one";

    /**
     * Versions (including DESTROYED tombstones), leftovers, unreadable or unaccounted objects,
     * and the highest version number any object names per identity (so a number that an
     * interrupted operation's object still carries is never given again).
     */
    public record Result(List<TokenVersion> versions, List<Leftover> leftovers,
                         List<String> problems, Map<String, Integer> highestNumbers,
                         List<TokenVersion> keyless, List<UnservedVersion> unserved) {}

    private TokenReading() {
    }

    public static Result of(TokenInventory.Snapshot token) {
        return of(token, v -> Optional.empty());
    }

    /**
     * As {@link #of(TokenInventory.Snapshot)}; {@code keyFingerprint} gives the SHA-256 of a
     * version's public key, which a version without a certificate is destroyed with (the
     * snapshot holds public attributes, not key values).
     */
    public static Result of(TokenInventory.Snapshot token,
                            java.util.function.Function<TokenVersion, Optional<String>>
                                    keyFingerprint) {
        List<String> problems = new ArrayList<>(token.problems());
        List<Leftover> leftovers = new ArrayList<>();
        List<TokenVersion> versions = new ArrayList<>();
        // Recorded versions that lost their private key: not served, but callers of their
        // identity are told so, and an officer may destroy what is left.
        List<TokenVersion> keyless = new ArrayList<>();
        // Other versions named but not served whose identity a caller should hear about.
        List<UnservedVersion> unserved = new ArrayList<>();
        Map<String, TokenInventory.KeyObject> keys = new HashMap<>();
        token.keys().forEach(k -> keys.put(k.id(), k));
        Map<String, TokenInventory.CertificateObject> certs = new HashMap<>();
        token.certificates().forEach(c -> certs.put(c.id(), c));
        Map<String, VersionRecord> records = records(token, problems);

        for (Map.Entry<String, VersionRecord> e : records.entrySet()) {
            String id = e.getKey();
            VersionRecord record = e.getValue();
            boolean hasKey = keys.containsKey(id);
            if (record.state() == KeyState.DESTROYED) {
                if (hasKey || certs.containsKey(id) || token.publicKeyIds().contains(id)) {
                    leftovers.add(new Leftover(id, record.name(), List.of(ObjectClass.CERTIFICATE,
                            ObjectClass.PRIVATE_KEY, ObjectClass.PUBLIC_KEY), false,
                            "destroy was interrupted"));
                }
                versions.add(new TokenVersion(id, record.name(), record, false, List.of()));
            } else if (!record.complete()) {
                // Before the key test: an unfinished generate or migration was never served,
                // whatever of it is still there (both write this record before anything else).
                leftovers.add(new Leftover(id, record.name(), List.of(ObjectClass.CERTIFICATE,
                        ObjectClass.PRIVATE_KEY, ObjectClass.PUBLIC_KEY), true,
                        "generate or PKCS#12 import was interrupted"));
            } else if (!hasKey || certs.containsKey(id)
                    && !keys.get(id).isKeyOf(certs.get(id).certificate())) {
                // A private key replaced outside smimed under the same id and label was served,
                // every signature failing to verify (found by an operator trial): the key the
                // certificate names is missing just the same.
                TokenVersion lost = new TokenVersion(id, record.name(), record, false,
                        chain(certs.get(id), token.certificates()));
                keyless.add(lost);
                problems.add(keyMissing(record.name(), hasKey ? "the private key under its id"
                        + " and label is not the key its certificate names: replaced outside"
                        + " smimed?" : "its state record says " + record.state())
                        + destroyHint(lost, keyFingerprint));
            } else {
                versions.add(new TokenVersion(id, record.name(), record, false,
                        chain(certs.get(id), token.certificates())));
            }
        }
        for (TokenInventory.KeyObject key : token.keys()) {
            if (records.containsKey(key.id())) {
                continue;
            }
            TokenInventory.CertificateObject cert = certs.get(key.id());
            if (cert != null) {
                KeyUsage usage = KeyUsage.of(key.signs(), key.decrypts());
                Optional<String> successor = activatedSuccessor(key.label(), usage, records);
                if (successor.isPresent()) {
                    // Activating that later version wrote this one's record (demoted), so it
                    // was lost: served as legacy, a disabled key decrypted again (a fault
                    // trial truncated its record file).
                    problems.add(key.label() + ": a private key and certificate without a"
                            + " state record, though " + successor.get() + " was activated"
                            + " since, which wrote one: its record was lost (a damaged token?);"
                            + " not served and not repaired: restore the token from its backup");
                    unserved.add(new UnservedVersion(key.label(),
                            UnservedVersion.Reason.RECORD_LOST));
                    continue;
                }
                legacy(key.id(), key.label(), usage, cert, token.certificates(), problems)
                        .ifPresent(versions::add);
            } else if (VersionName.parse(key.label()).isPresent()) {
                // Never smimed's interrupted work (generate and import write an incomplete
                // record first): a record and certificate the token can no longer read, or a
                // generate interrupted under an older release. A private key cannot be made
                // again, so it is kept and named, never removed (a fault trial's corrupted
                // token lost a served key to this repair).
                problems.add(key.label() + ": a private key labelled as a version has no state"
                        + " record and no certificate on the token; not served and not removed."
                        + " If its record or certificate was lost (a damaged token), restore the"
                        + " token from its backup; a leftover of a key generation interrupted"
                        + " under an older smimed can be deleted with pkcs11-tool"
                        + " (--delete-object --type privkey --id " + key.id() + ", and the"
                        + " public key: --type pubkey)");
                unserved.add(new UnservedVersion(key.label(),
                        UnservedVersion.Reason.NOTHING_BESIDE_KEY));
            }
        }
        for (TokenInventory.CertificateObject cert : token.certificates()) {
            // A legacy version that lost its private key: never removed (its certificate may
            // be the only copy), not served.
            if (!cert.id().isEmpty() && !keys.containsKey(cert.id())
                    && !records.containsKey(cert.id())
                    && VersionName.parse(cert.label()).isPresent()) {
                X509Certificate c = cert.certificate();
                KeyUsage usage = KeyUsage.of(CertificateIdentity.allowsSigning(c),
                        CertificateIdentity.allowsDecryption(c));
                Optional<TokenVersion> lost = legacy(cert.id(), cert.label(), usage, cert,
                        token.certificates(), new ArrayList<>());
                lost.ifPresent(keyless::add);
                problems.add(keyMissing(cert.label(), "a legacy version: certificate without"
                        + " state record")
                        + lost.map(l -> destroyHint(l, keyFingerprint)).orElse(""));
            }
        }
        for (TokenInventory.PublicKeyObject key : token.publicKeys()) {
            // A key generation killed inside C_GenerateKeyPair: the public half was written,
            // the private one not (or without its label and id). With a certificate or record
            // beside it, it is a version that lost its key instead (named above).
            if (!key.id().isEmpty() && !keys.containsKey(key.id())
                    && !records.containsKey(key.id()) && !certs.containsKey(key.id())
                    && VersionName.parse(key.label()).isPresent()) {
                leftovers.add(new Leftover(key.id(), key.label(), List.of(ObjectClass.PUBLIC_KEY),
                        false, "public key without private key, certificate or record (key"
                        + " generation was interrupted)"));
            }
        }
        anonymous(token).ifPresent(problems::add);
        versions.sort(Comparator.comparing((TokenVersion v) -> v.record().identity())
                .thenComparingInt(v -> v.record().number()));
        for (TokenVersion v : versions) {
            TokenInventory.KeyObject key = keys.get(v.keyId());
            if (key == null || v.state() == KeyState.DESTROYED) {
                continue;
            }
            if (!key.staysInToken()) {
                problems.add(v.name() + ": " + KEY_CAN_LEAVE);
            }
            if (!key.usagesFixed()) {
                problems.add(v.name() + ": " + USAGES_NOT_FIXED);
            }
        }
        return new Result(List.copyOf(versions), List.copyOf(leftovers), List.copyOf(problems),
                highestNumbers(token), List.copyOf(keyless), List.copyOf(unserved));
    }

    /**
     * The problem line for a version whose private key is gone: no interrupted operation of
     * smimed leaves that, so it is a fault to look into, not a leftover to clean.
     */
    static String keyMissing(String name, String what) {
        return name + ": its private key is missing from the token (" + what + "); not served,"
                + " and what is left of it (certificate if any, public key, record) is kept:"
                + " smimed's"
                + " operations never leave this, so a token fault or a deletion outside smimed"
                + " removed the key; restore it (for example from the HSM's backup) and restart";
    }

    /**
     * Objects with neither label nor CKA_ID (data objects: nor application) are no one's that
     * smimed can tell: what an operation killed inside one PKCS#11 call leaves on SoftHSM2,
     * which writes an object before its attributes. Never removed (on a shared token they may
     * be another application's), but named so an officer can look.
     */
    private static Optional<String> anonymous(TokenInventory.Snapshot token) {
        long keys = token.keys().stream().filter(k -> k.id().isEmpty() && k.label().isEmpty())
                .count();
        long publicKeys = token.publicKeys().stream()
                .filter(k -> k.id().isEmpty() && k.label().isEmpty()).count();
        if (keys + publicKeys + token.anonymousData() == 0) {
            return Optional.empty();
        }
        return Optional.of(keys + " private key(s), " + publicKeys + " public key(s) and "
                + token.anonymousData() + " data object(s) have neither label nor id: an"
                + " officer operation killed inside a PKCS#11 call leaves such objects, which"
                + " smimed never uses; unless another application made them, find them with"
                + " pkcs11-tool --list-objects --login and remove them with --delete-object");
    }

    private static Map<String, Integer> highestNumbers(TokenInventory.Snapshot token) {
        Map<String, Integer> highest = new HashMap<>();
        java.util.stream.Stream.of(token.keys().stream().map(TokenInventory.KeyObject::label),
                        token.publicKeys().stream().map(TokenInventory.PublicKeyObject::label),
                        token.certificates().stream().map(TokenInventory.CertificateObject::label),
                        token.data().stream().map(TokenInventory.DataObject::label))
                .flatMap(s -> s).map(VersionName::parse).flatMap(Optional::stream)
                .forEach(n -> highest.merge(n.identity(), n.number(), Math::max));
        return Map.copyOf(highest);
    }

    private static Map<String, VersionRecord> records(TokenInventory.Snapshot token,
                                                      List<String> problems) {
        Map<String, VersionRecord> records = new HashMap<>();
        for (TokenInventory.DataObject data : token.data()) {
            try {
                VersionRecord record = VersionRecord.decode(data.value());
                VersionRecord other = records.get(record.keyId());
                // Two records for one key only after a crash inside a fallback update: the
                // newer one is the truth.
                // (The complete one wins over an incomplete one of the same time.)
                if (other == null || record.updated().isAfter(other.updated())
                        || record.updated().equals(other.updated()) && record.complete()) {
                    records.put(record.keyId(), record);
                }
            } catch (IllegalArgumentException e) {
                problems.add("state record '" + data.label() + "': " + e.getMessage());
            }
        }
        return records;
    }

    /** How an officer removes what is left of a version whose key cannot be restored. */
    private static String destroyHint(TokenVersion lost,
            java.util.function.Function<TokenVersion, Optional<String>> keyFingerprint) {
        // Without a certificate, the public key's (an officer trial: no smimectl command
        // showed it for a version whose key is gone, so it could not be destroyed).
        return lost.certificate().map(CertificateSummary::sha256)
                .or(() -> keyFingerprint.apply(lost))
                .map(f -> "; if it cannot be restored, smimectl destroy " + lost.name()
                        + " --confirm " + f + " removes what is left").orElse("");
    }

    /**
     * A key provisioned before key states: ACTIVE, named by its label and certificate; its
     * usage from the key's flags (or, when the key is gone, the certificate's).
     */
    /**
     * A later version of {@code label}'s identity, doing one of its jobs, that has been ACTIVE
     * (ACTIVE or DECRYPT_ONLY now): its activation demoted {@code label}'s version with a
     * record, so without one that version is no legacy version but one that lost its record.
     */
    private static Optional<String> activatedSuccessor(String label, KeyUsage usage,
                                                       Map<String, VersionRecord> records) {
        Optional<VersionName.Parsed> name = VersionName.parse(label);
        if (name.isEmpty()) {
            return Optional.empty();
        }
        return records.values().stream()
                .filter(r -> r.identity().equalsIgnoreCase(name.get().identity())
                        && r.number() > name.get().number() && r.usage().overlaps(usage)
                        && (r.state() == KeyState.ACTIVE || r.state() == KeyState.DECRYPT_ONLY))
                .map(VersionRecord::name).findFirst();
    }

    private static Optional<TokenVersion> legacy(String id, String label, KeyUsage usage,
                                                 TokenInventory.CertificateObject cert,
                                                 List<TokenInventory.CertificateObject> all,
                                                 List<String> problems) {
        Optional<String> email = CertificateIdentity.email(cert.certificate());
        if (email.isEmpty()) {
            problems.add(label + ": certificate names no e-mail address");
            return Optional.empty();
        }
        KeyAlgorithm algorithm;
        try {
            algorithm = CertificateIdentity.algorithm(cert.certificate());
        } catch (IllegalArgumentException e) {
            problems.add(label + ": " + e.getMessage());
            return Optional.empty();
        }
        int number = VersionName.parse(label).map(VersionName.Parsed::number).orElse(0);
        var created = cert.certificate().getNotBefore().toInstant();
        VersionRecord record = new VersionRecord(id, email.get(), number, KeyState.ACTIVE,
                algorithm, usage, created, created);
        if (!record.name().equals(label)) {
            problems.add(label + ": legacy key listed as " + record.name());
        }
        return Optional.of(new TokenVersion(id, label, record, true,
                chain(cert, all)));
    }

    /** The leaf and its issuers found among the token's certificates, leaf first. */
    static List<X509Certificate> chain(TokenInventory.CertificateObject leaf,
                                       List<TokenInventory.CertificateObject> all) {
        List<X509Certificate> chain = new ArrayList<>();
        if (leaf == null) {
            return chain;
        }
        X509Certificate current = leaf.certificate();
        chain.add(current);
        while (chain.size() < MAX_CHAIN && !selfIssued(current)) {
            X509Certificate issuer = issuerOf(current, all);
            if (issuer == null || chain.contains(issuer)) {
                break;
            }
            chain.add(issuer);
            current = issuer;
        }
        return chain;
    }

    private static boolean selfIssued(X509Certificate c) {
        return c.getSubjectX500Principal().equals(c.getIssuerX500Principal());
    }

    private static X509Certificate issuerOf(X509Certificate c,
                                            List<TokenInventory.CertificateObject> all) {
        for (TokenInventory.CertificateObject candidate : all) {
            X509Certificate ca = candidate.certificate();
            if (ca.getSubjectX500Principal().equals(c.getIssuerX500Principal())) {
                try {
                    c.verify(ca.getPublicKey());
                    return ca;
                } catch (java.security.GeneralSecurityException e) {
                    // Same name, different key: keep looking.
                }
            }
        }
        return null;
    }
}
