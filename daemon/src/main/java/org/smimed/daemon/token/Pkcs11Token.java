package org.smimed.daemon.token;

import static sun.security.pkcs11.wrapper.PKCS11Constants.CKA_CLASS;
import static sun.security.pkcs11.wrapper.PKCS11Constants.CKF_RW_SESSION;
import static sun.security.pkcs11.wrapper.PKCS11Constants.CKF_SERIAL_SESSION;
import static sun.security.pkcs11.wrapper.PKCS11Constants.CKS_RO_USER_FUNCTIONS;
import static sun.security.pkcs11.wrapper.PKCS11Constants.CKO_PRIVATE_KEY;
import static sun.security.pkcs11.wrapper.PKCS11Constants.CKU_USER;
import static sun.security.pkcs11.wrapper.PKCS11Constants.CKS_RW_USER_FUNCTIONS;

import java.io.IOException;
import java.security.KeyStore;
import java.security.NoSuchAlgorithmException;
import java.security.Provider;
import java.security.ProviderException;
import java.security.Security;
import java.security.cert.CertificateException;
import java.util.Arrays;
import javax.security.auth.login.FailedLoginException;
import sun.security.pkcs11.wrapper.CK_ATTRIBUTE;
import sun.security.pkcs11.wrapper.PKCS11;
import sun.security.pkcs11.wrapper.PKCS11Exception;

/**
 * One logged-in PKCS#11 token: its own SunPKCS11 provider instance (never registered globally)
 * and the JDK wrapper for what the provider lacks.
 *
 * <p>Security guarantees: private keys generated or imported through this provider get
 * {@code CKA_SENSITIVE=true} and {@code CKA_EXTRACTABLE=false} from the attribute templates
 * below; the PIN is cleared from memory once the login is done. Not covered: the generic
 * secret an ECDH or X25519 derivation makes is deliberately readable, since the shared secret
 * Z feeds the KDF in the daemon (RFC 5753, RFC 8418); the private key itself never leaves.
 */
public final class Pkcs11Token {
    /**
     * Without these templates SunPKCS11 creates private keys that are not sensitive. The
     * generic-secret line lets ECDH return the shared secret to the daemon's KDF; CKA_DERIVE is
     * what lets EC keys agree at all (measured with SoftHSM2 2.6.1 during development).
     */
    private static final String ATTRIBUTE_TEMPLATES = """
            attributes(generate, CKO_PRIVATE_KEY, *) = {
              CKA_TOKEN = true
              CKA_PRIVATE = true
              CKA_SENSITIVE = true
              CKA_EXTRACTABLE = false
            }
            attributes(generate, CKO_PRIVATE_KEY, CKK_EC) = {
              CKA_DERIVE = true
            }
            attributes(generate, CKO_SECRET_KEY, CKK_GENERIC_SECRET) = {
              CKA_SENSITIVE = false
              CKA_EXTRACTABLE = true
            }
            attributes(import, CKO_PRIVATE_KEY, *) = {
              CKA_PRIVATE = true
              CKA_SENSITIVE = true
              CKA_EXTRACTABLE = false
            }
            """;

    /**
     * Attempts of {@link #inSessionAfresh}: an officer change through another daemon is a few
     * writes in a row (a record replaced, then the identity's other versions demoted), so one
     * walk may meet more than one of them.
     */
    static final int STALE_HANDLE_ATTEMPTS = 3;

    private final Pkcs11Library library;
    private final long slot;
    private final String label;
    private final Provider provider;
    private final KeyStore keyStore;

    private Pkcs11Token(Pkcs11Library library, long slot, String label, Provider provider,
                        KeyStore keyStore) {
        this.library = library;
        this.slot = slot;
        this.label = label;
        this.provider = provider;
        this.keyStore = keyStore;
    }

    /**
     * Finds the token labelled {@code label} in {@code library} and logs in with {@code pin},
     * which is cleared before this method returns.
     */
    public static Pkcs11Token login(Pkcs11Library library, String label, char[] pin)
            throws TokenException {
        try {
            long slot = library.slotOf(label);
            Provider provider = newProvider(library, slot, label);
            KeyStore keyStore = KeyStore.getInstance("PKCS11", provider);
            keyStore.load(null, pin);
            return new Pkcs11Token(library, slot, label, provider, keyStore);
        } catch (IOException e) {
            if (hasCause(e, FailedLoginException.class)) {
                throw new TokenException(TokenException.Kind.LOGIN_FAILED,
                        "login to token '" + label + "' failed: PIN rejected", e);
            }
            throw new TokenException(TokenException.Kind.UNAVAILABLE,
                    "login to token '" + label + "' failed: " + e.getMessage(), e);
        } catch (java.security.KeyStoreException | NoSuchAlgorithmException
                 | CertificateException | ProviderException e) {
            throw new TokenException(TokenException.Kind.UNAVAILABLE,
                    "cannot open token '" + label + "': " + e.getMessage(), e);
        } finally {
            Arrays.fill(pin, '\0');
        }
    }

    private static Provider newProvider(Pkcs11Library library, long slot, String label) {
        String name = "smimed-" + label.replaceAll("[^A-Za-z0-9_-]", "_");
        String config = "name = " + name + "\n"
                + "library = " + library.path() + "\n"
                + "slot = " + slot + "\n"
                + ATTRIBUTE_TEMPLATES;
        return Security.getProvider("SunPKCS11").configure("--" + config);
    }

    private static boolean hasCause(Throwable t, Class<? extends Throwable> type) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (type.isInstance(c)) {
                return true;
            }
        }
        return false;
    }

    /** This token's SunPKCS11 provider: the one to pass to JCA for signing and decryption. */
    public Provider provider() {
        return provider;
    }

    /** The token's label. */
    public String label() {
        return label;
    }

    /** The PKCS#11 key store view of this token (keys that have a certificate). */
    KeyStore keyStore() {
        return keyStore;
    }

    Pkcs11Library library() {
        return library;
    }

    /**
     * A cheap check of what the token can do right now: a session, its login state and whether
     * any private key is visible. Never throws; used by health checks on a schedule.
     *
     * @param expectKeys whether the token should hold at least one private key
     */
    public TokenCondition probe(boolean expectKeys) {
        try {
            return inSession((module, session) -> {
                long state = module.C_GetSessionInfo(session).state;
                if (state != CKS_RO_USER_FUNCTIONS && state != CKS_RW_USER_FUNCTIONS) {
                    return TokenCondition.LOGGED_OUT;
                }
                if (!expectKeys) {
                    return TokenCondition.USABLE;
                }
                module.C_FindObjectsInit(session, new CK_ATTRIBUTE[] {
                    new CK_ATTRIBUTE(CKA_CLASS, CKO_PRIVATE_KEY)});
                try {
                    return module.C_FindObjects(session, 1).length > 0
                            ? TokenCondition.USABLE : TokenCondition.KEYS_MISSING;
                } finally {
                    module.C_FindObjectsFinal(session);
                }
            });
        } catch (TokenException | RuntimeException e) {
            return TokenCondition.UNREACHABLE;
        }
    }

    long slot() {
        return slot;
    }

    /**
     * Logs the token in again with {@code pin}, which is cleared before this returns. PKCS#11
     * login state belongs to the whole process, so one C_Login through the wrapper serves
     * SunPKCS11's sessions too; "already logged in" counts as success. Key handles from before
     * a logout stay invalid: read them again afterwards.
     */
    public void relogin(char[] pin) throws TokenException {
        try {
            inSession((module, session) -> {
                try {
                    module.C_Login(session, CKU_USER, pin);
                } catch (PKCS11Exception e) {
                    if (e.getErrorCode() != TokenErrors.CKR_USER_ALREADY_LOGGED_IN) {
                        throw e;
                    }
                }
                return null;
            });
        } finally {
            Arrays.fill(pin, '\0');
        }
    }

    /**
     * The PKCS#11 function that failed, as "C_GenerateKeyPair", read from where the wrapper's
     * native method threw: a session's work makes several calls, and "token operation failed:
     * CKR_GENERAL_ERROR" alone did not say which (an outside trial).
     */
    static String function(PKCS11Exception e) {
        for (StackTraceElement frame : e.getStackTrace()) {
            if (frame.getMethodName().startsWith("C_")) {
                return frame.getMethodName();
            }
        }
        return "token operation";
    }

    /** Runs {@code work} in a fresh read-write session of the wrapper, closed afterwards. */
    <T> T inSession(SessionWork<T> work) throws TokenException {
        PKCS11 module = library.module();
        long session;
        try {
            session = module.C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, null, null);
        } catch (PKCS11Exception e) {
            throw TokenErrors.translate("open session", e);
        }
        try {
            return work.run(module, session);
        } catch (PKCS11Exception e) {
            throw TokenErrors.translate(function(e), e);
        } finally {
            try {
                module.C_CloseSession(session);
            } catch (PKCS11Exception ignored) {
                // The session is gone either way; the operation's own result stands.
            }
        }
    }

    /**
     * Runs {@code work}, which must look up the objects it uses itself, as
     * {@link #inSession}; when an object it found was destroyed before it used it, runs it
     * again in a new session, up to {@value #STALE_HANDLE_ATTEMPTS} times in all. Another
     * process on the token (a replica's officer replacing a state record, destroying a
     * version) may do that between any C_FindObjects and the next call; looking up again sees
     * the token as it is now. Only for work that changes nothing, or that is safe to repeat.
     */
    <T> T inSessionAfresh(SessionWork<T> work) throws TokenException {
        for (int attempt = 1; ; attempt++) {
            try {
                return inSession(work);
            } catch (TokenException e) {
                if (attempt >= STALE_HANDLE_ATTEMPTS || !TokenErrors.isStaleHandle(e)) {
                    throw e;
                }
            }
        }
    }

    /** Work done with the raw wrapper inside one session. */
    @FunctionalInterface
    interface SessionWork<T> {
        T run(PKCS11 module, long session) throws PKCS11Exception, TokenException;
    }
}
