package org.smimed.daemon.keys;

import java.lang.System.Logger.Level;
import java.security.PublicKey;
import java.util.Locale;
import java.util.Optional;
import org.smimed.daemon.token.KeyProtection;
import org.smimed.daemon.token.TokenException;

/**
 * What an officer is shown of a version beyond its record: its public key, the fingerprint a
 * disable or destroy is confirmed with, how the token protects its key. Read-only.
 *
 * <p>Guarantee: a version the token cannot describe (an object deleted with pkcs11-tool, two
 * where one belongs) has that part left empty and logged, so it does not fail a whole
 * ListKeys (a security review); a token that is gone still throws.
 */
public final class VersionView {
    private static final System.Logger LOG = System.getLogger(VersionView.class.getName());
    private final VersionStore store;

    VersionView(VersionStore store) {
        this.store = store;
    }

    /**
     * {@code v}'s public key: its certificate's, else the token's public key object; empty for
     * a DESTROYED version, which has neither.
     */
    public Optional<PublicKey> publicKey(TokenVersion v) throws TokenException {
        if (v.certificate().isEmpty() && v.state() == KeyState.DESTROYED) {
            return Optional.empty();
        }
        try {
            return Optional.of(store.publicKey(v));
        } catch (TokenException e) {
            if (e.kind() != TokenException.Kind.REJECTED) {
                throw e;
            }
            LOG.log(Level.WARNING, "cannot read " + v.name() + "'s public key: "
                    + e.getMessage());
            return Optional.empty();
        }
    }

    /**
     * The SHA-256 fingerprint (lower-case hex) that a destroy asks for: of the certificate,
     * else of the public key; none when there is neither.
     */
    public Optional<String> fingerprint(TokenVersion v) throws TokenException {
        if (v.certificate().isPresent()) {
            return Optional.of(CertificateSummary.sha256(v.certificate().get()));
        }
        return publicKey(v).map(k -> CertificateSummary.sha256(k.getEncoded()));
    }

    /**
     * Refuses unless {@code fingerprint} (hex, colons optional) is {@code v}'s, as list shows
     * it: how an officer confirms a final change (disable, destroy) of the version meant.
     */
    public void requireConfirmation(TokenVersion v, String fingerprint)
            throws InvalidKeyRequestException, TokenException {
        String given = fingerprint.replace(":", "").toLowerCase(Locale.ROOT);
        if (!given.matches("[0-9a-f]{64}")) {
            // Not "does not match": a typo is not the wrong certificate (an officer trial).
            // Not echoed: what was typed goes into the audit record's reason, and
            // confirmed=malformed already says it was no fingerprint.
            throw new InvalidKeyRequestException("the confirmation is not a SHA-256"
                    + " fingerprint (64 hex digits, as list shows it)");
        }
        if (!fingerprint(v).map(given::equals).orElse(false)) {
            throw new InvalidKeyRequestException("the confirmation fingerprint does not match "
                    + v.name() + " (give the SHA-256 fingerprint shown by list)");
        }
    }

    /** How the token protects {@code v}'s key; empty if DESTROYED or not exactly one key. */
    public Optional<KeyProtection> protection(TokenVersion v) {
        if (v.state() == KeyState.DESTROYED) {
            return Optional.empty();
        }
        try {
            return Optional.of(store.objects.protection(v.name()));
        } catch (TokenException e) {
            LOG.log(Level.WARNING, "cannot read the protection of " + v.name() + "'s key: "
                    + e.getMessage());
            return Optional.empty();
        }
    }
}
