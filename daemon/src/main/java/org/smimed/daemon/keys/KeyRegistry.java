package org.smimed.daemon.keys;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.smimed.daemon.token.TokenKeyEntry;

/**
 * The identities and key versions held in the token: the token is the source of truth, read
 * once at start-up so that no request walks the key store.
 *
 * <p>Security guarantee: only keys whose certificate names an e-mail address are served, and a
 * key signs only while its certificate is valid according to the injected clock.
 */
public final class KeyRegistry {
    private final Map<String, List<KeyVersion>> byIdentity;
    private final List<KeyVersion> all;
    private final List<String> problems;
    private final Clock clock;

    private KeyRegistry(Map<String, List<KeyVersion>> byIdentity, List<String> problems,
                        Clock clock) {
        this.byIdentity = byIdentity;
        this.all = byIdentity.values().stream().flatMap(List::stream).toList();
        this.problems = List.copyOf(problems);
        this.clock = clock;
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
        return new KeyRegistry(byIdentity, problems, clock);
    }

    /** Identity names, sorted. */
    public List<String> identities() {
        return List.copyOf(byIdentity.keySet());
    }

    /** Lines describing token objects that were not usable as key versions. */
    public List<String> problems() {
        return problems;
    }

    /**
     * The version that signs for {@code identity}: of those allowed to sign whose certificate
     * is valid now, the one with the newest certificate.
     */
    public KeyVersion signingKey(String identity)
            throws UnknownIdentityException, NoUsableKeyException {
        List<KeyVersion> versions = versionsOf(identity);
        Instant now = clock.instant();
        return versions.stream()
                .filter(v -> v.state().maySign() && v.signs())
                .filter(v -> v.certificateValidAt(now))
                .max(Comparator.comparing(v -> v.certificate().getNotBefore()))
                .orElseThrow(() -> new NoUsableKeyException("identity '" + identity
                        + "' has no key that may sign now (certificate expired or not yet"
                        + " valid, or no signing key)"));
    }

    /** Every version of every identity that may decrypt. */
    public List<KeyVersion> decryptionKeys() {
        return all.stream().filter(v -> v.state().mayDecrypt() && v.decrypts()).toList();
    }

    /** The versions of {@code identity} that may decrypt. */
    public List<KeyVersion> decryptionKeys(String identity) throws UnknownIdentityException {
        return versionsOf(identity).stream()
                .filter(v -> v.state().mayDecrypt() && v.decrypts()).toList();
    }

    /** Every version of {@code identity}. */
    public List<KeyVersion> versionsOf(String identity) throws UnknownIdentityException {
        List<KeyVersion> versions = byIdentity.get(CertificateIdentity.normalise(identity));
        if (versions == null) {
            throw new UnknownIdentityException(identity);
        }
        return versions;
    }
}
