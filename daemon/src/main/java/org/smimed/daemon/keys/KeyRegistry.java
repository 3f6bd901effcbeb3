package org.smimed.daemon.keys;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.security.PrivateKey;
import org.smimed.daemon.token.TokenKeyEntry;

/**
 * The identities and key versions held in the token: the token is the source of truth, read
 * at start-up and after each officer change into an immutable snapshot, swapped atomically,
 * so that no request walks the token and each request sees one consistent snapshot.
 *
 * <p>Security guarantee: only keys whose certificate names an e-mail address are served; only
 * an ACTIVE version signs, and only while its certificate is valid according to the injected
 * clock; only ACTIVE and DECRYPT_ONLY versions decrypt.
 */
public final class KeyRegistry {
    /**
     * One consistent view of the token's usable versions, and by identity what is said of
     * those not served (a caller is told why rather than "unknown identity").
     */
    private record Snapshot(Map<String, List<KeyVersion>> byIdentity, List<KeyVersion> all,
                            List<String> problems, Map<String, List<String>> unserved) {}

    private final AtomicReference<Snapshot> current;
    private final Clock clock;
    private final List<Runnable> changeListeners = new CopyOnWriteArrayList<>();

    private KeyRegistry(Map<String, List<KeyVersion>> byIdentity, List<String> problems,
                        List<UnservedVersion> unserved, Clock clock) {
        Map<String, List<String>> said = new TreeMap<>();
        unserved.forEach(u -> VersionName.parse(u.name()).ifPresent(parsed -> said
                .computeIfAbsent(CertificateIdentity.normalise(parsed.identity()),
                        k -> new ArrayList<>()).add(u.explained())));
        said.replaceAll((identity, lines) -> List.copyOf(lines));
        this.current = new AtomicReference<>(new Snapshot(byIdentity,
                byIdentity.values().stream().flatMap(List::stream).toList(),
                List.copyOf(problems), Map.copyOf(said)));
        this.clock = clock;
    }

    /**
     * Builds the registry from versions read off the token: each ACTIVE, DECRYPT_ONLY or
     * DISABLED version with a certificate and a JCA handle (by its name, the key store alias).
     * PENDING versions are not served at all, so a new identity appears only once activated;
     * a DISABLED one keeps its identity known (signing fails with a precondition, not "unknown").
     */
    public static KeyRegistry of(List<TokenVersion> versions, Map<String, PrivateKey> handles,
                                 List<String> problems, List<UnservedVersion> unserved,
                                 Clock clock) {
        Map<String, List<KeyVersion>> byIdentity = new TreeMap<>();
        List<String> found = new ArrayList<>(problems);
        List<UnservedVersion> notServed = new ArrayList<>(unserved);
        for (TokenVersion v : versions) {
            if (v.chain().isEmpty() || v.state() == KeyState.DESTROYED
                    || v.state() == KeyState.PENDING) {
                continue;
            }
            PrivateKey key = handles.get(v.name());
            if (key == null) {
                found.add(v.name() + ": the key store has no key for it; not served");
                notServed.add(new UnservedVersion(v.name(), UnservedVersion.Reason.NO_HANDLE));
                continue;
            }
            var certificate = v.chain().get(0);
            byIdentity.computeIfAbsent(v.record().identity(), k -> new ArrayList<>())
                    .add(new KeyVersion(v.name(), v.record().identity(), v.record().algorithm(),
                            v.state(),
                            v.record().usage().signs()
                                    && CertificateIdentity.allowsSigning(certificate),
                            v.record().usage().decrypts()
                                    && CertificateIdentity.allowsDecryption(certificate),
                            key, v.chain()));
        }
        byIdentity.replaceAll((identity, list) -> List.copyOf(list));
        return new KeyRegistry(byIdentity, found, notServed, clock);
    }

    /**
     * Serves {@code fresh}'s versions from now on; requests in flight keep their snapshot.
     * Then tells each change listener, on this thread.
     */
    public void replaceWith(KeyRegistry fresh) {
        current.set(fresh.current.get());
        changeListeners.forEach(Runnable::run);
    }

    /**
     * Runs {@code listener} after every swap of the served versions, whatever made it: an
     * officer change here, one followed from another daemon on the token, a heal. For what
     * must follow the served set (metrics), not for request handling.
     */
    public void addChangeListener(Runnable listener) {
        changeListeners.add(listener);
    }

    /** Stops running {@code listener} after swaps. */
    public void removeChangeListener(Runnable listener) {
        changeListeners.remove(listener);
    }

    /** Builds the registry from the token's key entries; unusable entries are reported. */
    public static KeyRegistry of(List<TokenKeyEntry> entries, List<String> skipped, Clock clock) {
        Map<String, List<KeyVersion>> byIdentity = new TreeMap<>();
        List<String> problems = new ArrayList<>(skipped);
        for (TokenKeyEntry entry : entries) {
            Optional<String> email = CertificateIdentity.email(entry.certificate());
            if (email.isEmpty()) {
                problems.add(entry.alias() + ": certificate names no e-mail address");
                continue;
            }
            try {
                KeyVersion version = new KeyVersion(entry.alias(), email.get(),
                        CertificateIdentity.algorithm(entry.certificate()), KeyState.ACTIVE,
                        CertificateIdentity.allowsSigning(entry.certificate()),
                        CertificateIdentity.allowsDecryption(entry.certificate()),
                        entry.privateKey(), entry.chain());
                byIdentity.computeIfAbsent(email.get(), k -> new ArrayList<>()).add(version);
            } catch (IllegalArgumentException e) {
                problems.add(entry.alias() + ": " + e.getMessage());
            }
        }
        byIdentity.replaceAll((identity, versions) -> List.copyOf(versions));
        return new KeyRegistry(byIdentity, problems, List.of(), clock);
    }

    /** Identity names, sorted. */
    public List<String> identities() {
        return List.copyOf(current.get().byIdentity().keySet());
    }

    /** Lines describing token objects that were not usable as key versions. */
    public List<String> problems() {
        return current.get().problems();
    }

    /**
     * The version that signs for {@code identity}: of those allowed to sign whose certificate
     * is valid now, the one with the newest certificate.
     */
    public KeyVersion signingKey(String identity)
            throws UnknownIdentityException, NoUsableKeyException {
        Snapshot snapshot = current.get();
        String normalised = CertificateIdentity.normalise(identity);
        List<String> unserved = snapshot.unserved().getOrDefault(normalised, List.of());
        List<KeyVersion> versions = snapshot.byIdentity().get(normalised);
        if (versions == null && unserved.isEmpty()) {
            throw new UnknownIdentityException(identity);
        }
        List<KeyVersion> served = versions == null ? List.of() : versions;
        Instant now = clock.instant();
        return served.stream()
                .filter(v -> whyNotSigning(v, now).isEmpty())
                .max(Comparator.comparing(v -> v.certificate().getNotBefore()))
                .orElseThrow(() -> new NoUsableKeyException("identity '" + identity
                        + "' has no key that may sign now: " + Stream.concat(served.stream()
                        .map(v -> whyNotSigning(v, now).orElseThrow()), unserved.stream())
                        .collect(Collectors.joining("; "))));
    }

    /**
     * Why {@code version} does not sign at {@code now}, in an officer's terms (its state, its
     * usage, its certificate's dates), so the refusal says what to fix first; empty when it
     * may sign. The one rule both for choosing the signer and for explaining a refusal.
     */
    private static Optional<String> whyNotSigning(KeyVersion version, Instant now) {
        if (!version.state().maySign()) {
            // And what an officer does about it first (found by a README trial: the refusal
            // named the state only).
            return Optional.of(version.id() + " is " + version.state()
                    + (version.state() == KeyState.PENDING
                            ? " (an officer activates it: smimectl activate " + version.id() + ")"
                            : " (an officer activates a version that signs; smimectl rotate"
                                    + " makes one)"));
        }
        if (!version.signs()) {
            return Optional.of(version.id()
                    + " is not a signing key (by its usage or its certificate)");
        }
        Instant notBefore = version.certificate().getNotBefore().toInstant();
        if (now.isBefore(notBefore)) {
            return Optional.of(version.id() + "'s certificate is not valid before " + notBefore);
        }
        Instant notAfter = version.certificate().getNotAfter().toInstant();
        if (now.isAfter(notAfter)) {
            return Optional.of(version.id() + "'s certificate expired " + notAfter
                    + " (renew it: smimectl rotate makes a version for the new certificate)");
        }
        return Optional.empty();
    }

    /**
     * The version new mail to {@code identity} should be encrypted to: of the ACTIVE versions
     * that decrypt and whose certificate is valid now, the one with the newest certificate.
     * Empty when the identity has none (a signing-only identity, or between activations).
     */
    public Optional<KeyVersion> encryptionKey(String identity) throws UnknownIdentityException {
        Instant now = clock.instant();
        return versionsOf(identity).stream()
                .filter(v -> v.state() == KeyState.ACTIVE && v.decrypts())
                .filter(v -> v.certificateValidAt(now))
                .max(Comparator.comparing(v -> v.certificate().getNotBefore()));
    }

    /** Every version of every identity that may decrypt. */
    public List<KeyVersion> decryptionKeys() {
        return current.get().all().stream()
                .filter(v -> v.state().mayDecrypt() && v.decrypts()).toList();
    }

    /**
     * The versions of {@code identity} that may decrypt; an identity whose only versions are
     * not served is one with no such key, named with why, not an unknown one.
     */
    public List<KeyVersion> decryptionKeys(String identity)
            throws UnknownIdentityException, NoUsableKeyException {
        Snapshot snapshot = current.get();
        String normalised = CertificateIdentity.normalise(identity);
        List<String> unserved = snapshot.unserved().getOrDefault(normalised, List.of());
        if (!snapshot.byIdentity().containsKey(normalised) && !unserved.isEmpty()) {
            throw new NoUsableKeyException("identity '" + identity + "' has no key that may"
                    + " decrypt now: " + String.join("; ", unserved));
        }
        return versionsOf(identity).stream()
                .filter(v -> v.state().mayDecrypt() && v.decrypts()).toList();
    }

    /** Every version of {@code identity}. */
    public List<KeyVersion> versionsOf(String identity) throws UnknownIdentityException {
        List<KeyVersion> versions = current.get().byIdentity()
                .get(CertificateIdentity.normalise(identity));
        if (versions == null) {
            throw new UnknownIdentityException(identity);
        }
        return versions;
    }
}
