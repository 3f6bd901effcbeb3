package org.smimed.daemon.health;

import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.smimed.daemon.config.PinSource;
import org.smimed.daemon.keys.KeyAdministration;
import org.smimed.daemon.token.Pkcs11Token;
import org.smimed.daemon.token.TokenCondition;
import org.smimed.daemon.token.TokenException;
import org.smimed.daemon.token.TokenRecovery;

/**
 * The one place that heals the token: re-login with the PIN read again from its source, re-fetch
 * every key handle, and report what it found to health. Services reach it through
 * {@link TokenRecovery}; the health monitor through {@link #check()}.
 *
 * <p>Each probe of a usable token also serves officer changes made through another daemon on
 * the same token ({@link KeyAdministration#followChangesElsewhere()}).
 *
 * <p>Guarantees: a call is retried at most once, and only after a heal that found the token
 * logged in with every served key, or an officer's DESTROYED record for it (a partial token
 * never shrinks what is served); health is
 * NOT_SERVING from the first failed heal until a heal or probe succeeds; when the token has
 * stayed unusable for {@value #GIVE_UP_AFTER_PROBES} probes in a row (measured with SoftHSM2:
 * a removed token directory or a finalised library never comes back in-process) the
 * {@code fatal} action runs
 * once with a reason, so the process can exit and a supervisor restart it.
 */
public final class TokenHealer implements TokenRecovery {
    /** Consecutive unusable probes before the daemon gives up (60 s at the default 5 s). */
    public static final int GIVE_UP_AFTER_PROBES = 12;
    /** A failed heal is not repeated sooner than this, so a burst of calls does not hammer. */
    private static final Duration FAILED_HEAL_PAUSE = Duration.ofMillis(200);
    private static final System.Logger LOG = System.getLogger(TokenHealer.class.getName());

    private final Pkcs11Token token;
    private final PinSource pin;
    private final UnaryOperator<String> environment;
    private final KeyAdministration keys;
    private final boolean expectKeys;
    private final Clock clock;
    private final Consumer<TokenCondition> publish;
    private final Consumer<String> fatal;
    /** Successful heals so far; read without the lock so calls never wait on a heal. */
    private volatile long healed;
    private Instant lastFailure = Instant.MIN;
    private int unusableProbes;
    private boolean gaveUp;
    /** The token rejected the PIN: never offered again in this process. */
    private boolean pinRejected;

    /**
     * @param publish receives each condition found, for health (called under this object's lock)
     * @param fatal   runs once with the reason when healing is hopeless
     */
    public TokenHealer(Pkcs11Token token, PinSource pin, UnaryOperator<String> environment,
                       KeyAdministration keys, boolean expectKeys, Clock clock,
                       Consumer<TokenCondition> publish, Consumer<String> fatal) {
        this.token = token;
        this.pin = pin;
        this.environment = environment;
        this.keys = keys;
        this.expectKeys = expectKeys;
        this.clock = clock;
        this.publish = publish;
        this.fatal = fatal;
    }

    @Override
    public <T> T retryOnce(Attempt<T> attempt) throws Exception {
        long generation = healed;
        try {
            return attempt.run();
        } catch (TokenException e) {
            if (e.kind() != TokenException.Kind.UNAVAILABLE || !heal(generation)) {
                throw e;
            }
        }
        return attempt.run();
    }

    /**
     * Heals unless another thread already did since {@code generation}; returns whether the
     * token is usable now.
     */
    private synchronized boolean heal(long generation) {
        if (healed != generation) {
            return true;
        }
        if (clock.instant().isBefore(lastFailure.plus(FAILED_HEAL_PAUSE))) {
            return false;
        }
        return healNow() == TokenCondition.USABLE;
    }

    /**
     * The health monitor's probe: finds the token's condition and, when it is logged out or
     * missing keys, heals it. Counts unusable probes and gives up after too many in a row.
     */
    public synchronized TokenCondition check() {
        TokenCondition condition = token.probe(expectKeys);
        if (!condition.usable() || lastFailure != Instant.MIN || !followedChanges()) {
            // Unusable now, or the last heal failed: the served handles may be stale even
            // when the token looks fine again (objects re-created), so heal.
            condition = healNow();
        } else {
            publish.accept(condition);
        }
        unusableProbes = condition.usable() ? 0 : unusableProbes + 1;
        if (unusableProbes >= GIVE_UP_AFTER_PROBES && !gaveUp) {
            gaveUp = true;
            fatal.accept("token '" + token.label() + "' has been " + condition + " for "
                    + unusableProbes + " probes in a row and re-login did not help; PKCS#11"
                    + " cannot recover this in-process (" + likelyCause(condition) + "):"
                    + " exiting so that a supervisor restarts the daemon");
        }
        return condition;
    }

    /** What usually leaves the token in {@code condition}, for the operator's last line. */
    private static String likelyCause(TokenCondition condition) {
        return switch (condition) {
            case KEYS_MISSING -> "a served key deleted outside smimed, or the token files gone"
                    + " or unreadable?";
            case LOGGED_OUT -> "something keeps logging the token out, or the PIN changed?";
            default -> "token directory gone, library finalised?";
        };
    }

    /**
     * Serves what officers changed through another daemon on the token since the last probe;
     * false when a served version vanished without an officer's record of it, which is a
     * token fault for {@link #healNow()}.
     */
    private boolean followedChanges() {
        try {
            List<String> changes = keys.followChangesElsewhere();
            if (!changes.isEmpty()) {
                // WARNING: a change no call to this daemon made — an officer through another
                // replica (its audit log has the record) or a PKCS#11 tool (no audit log does).
                LOG.log(Level.WARNING, "token '" + token.label() + "': key versions changed"
                        + " outside this daemon (an officer through another daemon, or a"
                        + " PKCS#11 tool): " + String.join("; ", changes) + "; serving the"
                        + " token's current versions");
            }
            return true;
        } catch (TokenException e) {
            LOG.log(Level.WARNING, "token '" + token.label() + "': " + e.getMessage());
            return false;
        }
    }

    /** Re-login, probe, re-fetch keys; publishes the outcome. */
    private TokenCondition healNow() {
        if (pinRejected) {
            publish.accept(TokenCondition.LOGGED_OUT);
            return TokenCondition.LOGGED_OUT;
        }
        TokenCondition condition;
        try {
            token.relogin(pin.read(environment));
            condition = token.probe(expectKeys);
            if (condition.usable()) {
                keys.refreshAfterTokenFault();
            }
        } catch (TokenException | PinSource.PinUnavailableException e) {
            LOG.log(Level.WARNING, "token '" + token.label() + "' not healed: " + e.getMessage());
            pinRejected = e instanceof TokenException t
                    && t.kind() == TokenException.Kind.LOGIN_FAILED;
            // A PIN file that cannot be read changes nothing on the token: say what the token
            // is, not "logged out" (found by an operator trial).
            condition = pinRejected ? TokenCondition.LOGGED_OUT : token.probe(expectKeys);
            if (pinRejected && !gaveUp) {
                // Every probe and failing call would try the rejected PIN again, and an HSM
                // locks the user PIN after a few (found by an operator trial); the systemd unit
                // does not restart exit 4 for the same reason.
                gaveUp = true;
                fatal.accept("token '" + token.label() + "' rejected the PIN read again from"
                        + " its source (" + e.getMessage() + "): not trying it again, so that"
                        + " the token does not lock the user PIN; correct the PIN source and"
                        + " restart");
            }
            if (condition.usable()) {
                // Logged in with some keys, but not every served version is back.
                condition = TokenCondition.KEYS_MISSING;
            }
        }
        if (condition.usable()) {
            healed++;
            lastFailure = Instant.MIN;
            LOG.log(Level.INFO, "token '" + token.label() + "' healed: logged in, keys re-read");
        } else {
            lastFailure = clock.instant();
        }
        publish.accept(condition);
        return condition;
    }
}
