package org.smimed.daemon.token;

import java.util.Set;
import sun.security.pkcs11.wrapper.PKCS11Exception;

/**
 * Turns PKCS#11 return values into {@link TokenException} kinds, in one place: which codes mean
 * "the token is not usable right now" decides between UNAVAILABLE and an error a caller caused.
 */
public final class TokenErrors {
    // PKCS#11 v2.40 return values. Defined here because the JDK's wrapper constants differ
    // between releases (17 keeps few of them; later releases use an enum).
    static final long CKR_HOST_MEMORY = 0x02;
    static final long CKR_GENERAL_ERROR = 0x05;
    static final long CKR_ATTRIBUTE_SENSITIVE = 0x11;
    static final long CKR_ATTRIBUTE_TYPE_INVALID = 0x12;
    static final long CKR_DEVICE_ERROR = 0x30;
    static final long CKR_DEVICE_MEMORY = 0x31;
    static final long CKR_DEVICE_REMOVED = 0x32;
    static final long CKR_ENCRYPTED_DATA_INVALID = 0x40;
    static final long CKR_ENCRYPTED_DATA_LEN_RANGE = 0x41;
    static final long CKR_KEY_HANDLE_INVALID = 0x60;
    static final long CKR_OBJECT_HANDLE_INVALID = 0x82;
    static final long CKR_PIN_INCORRECT = 0xA0;
    static final long CKR_PIN_INVALID = 0xA1;
    static final long CKR_PIN_LEN_RANGE = 0xA2;
    static final long CKR_PIN_EXPIRED = 0xA3;
    static final long CKR_PIN_LOCKED = 0xA4;
    static final long CKR_SESSION_CLOSED = 0xB0;
    static final long CKR_SESSION_COUNT = 0xB1;
    static final long CKR_SESSION_HANDLE_INVALID = 0xB3;
    static final long CKR_TOKEN_NOT_PRESENT = 0xE0;
    static final long CKR_TOKEN_NOT_RECOGNIZED = 0xE1;
    static final long CKR_USER_ALREADY_LOGGED_IN = 0x100;
    static final long CKR_USER_NOT_LOGGED_IN = 0x101;
    static final long CKR_CRYPTOKI_NOT_INITIALIZED = 0x190;

    /** Codes after which a re-login or a later retry may succeed. */
    private static final Set<Long> UNAVAILABLE = Set.of(
            CKR_SESSION_HANDLE_INVALID, CKR_SESSION_CLOSED, CKR_OBJECT_HANDLE_INVALID,
            CKR_KEY_HANDLE_INVALID, CKR_USER_NOT_LOGGED_IN, CKR_DEVICE_ERROR,
            CKR_DEVICE_REMOVED, CKR_TOKEN_NOT_PRESENT, CKR_TOKEN_NOT_RECOGNIZED,
            CKR_CRYPTOKI_NOT_INITIALIZED, CKR_GENERAL_ERROR, CKR_DEVICE_MEMORY,
            CKR_HOST_MEMORY, CKR_SESSION_COUNT);

    private TokenErrors() {
    }

    static TokenException translate(String operation, PKCS11Exception e) {
        long code = e.getErrorCode();
        TokenException.Kind kind;
        if (code == CKR_PIN_INCORRECT || code == CKR_PIN_LOCKED || code == CKR_PIN_EXPIRED
                || code == CKR_PIN_INVALID || code == CKR_PIN_LEN_RANGE) {
            kind = TokenException.Kind.LOGIN_FAILED;
        } else if (UNAVAILABLE.contains(code)) {
            kind = TokenException.Kind.UNAVAILABLE;
        } else {
            kind = TokenException.Kind.REJECTED;
        }
        return new TokenException(kind, operation + " failed: " + e.getMessage(), e);
    }

    /**
     * Codes that can only mean the session, login or device is gone, never "this ciphertext
     * is bad". SoftHSM2 answers a PKCS#1 padding failure with CKR_GENERAL_ERROR, so paths that
     * decrypt attacker-chosen data must use this narrower test, or the status code becomes a
     * padding oracle.
     */
    private static final Set<Long> GONE = Set.of(
            CKR_SESSION_HANDLE_INVALID, CKR_SESSION_CLOSED, CKR_OBJECT_HANDLE_INVALID,
            CKR_KEY_HANDLE_INVALID, CKR_USER_NOT_LOGGED_IN, CKR_DEVICE_REMOVED,
            CKR_TOKEN_NOT_PRESENT, CKR_TOKEN_NOT_RECOGNIZED, CKR_CRYPTOKI_NOT_INITIALIZED);

    /** Whether a PKCS#11 failure in {@code t}'s causes says the token is gone (see GONE). */
    public static boolean isTokenGone(Throwable t) {
        return hasCode(t, GONE);
    }

    private static boolean hasCode(Throwable t, Set<Long> codes) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof PKCS11Exception p && codes.contains(p.getErrorCode())) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether {@code t} (or a cause) says an object handle no longer names an object: it was
     * found, then destroyed before it was used. On a token shared by several processes this is
     * an ordinary race (another daemon replaced a state record or destroyed a version), not a
     * fault: looking the objects up again gives the current ones.
     */
    public static boolean isStaleHandle(Throwable t) {
        return hasCode(t, Set.of(CKR_OBJECT_HANDLE_INVALID, CKR_KEY_HANDLE_INVALID));
    }

    /** Whether a PKCS#11 failure anywhere in {@code t}'s causes means the token is unusable. */
    public static boolean isUnavailable(Throwable t) {
        return hasCode(t, UNAVAILABLE);
    }
}
