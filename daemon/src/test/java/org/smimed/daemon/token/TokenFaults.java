package org.smimed.daemon.token;

import static sun.security.pkcs11.wrapper.PKCS11Constants.CKF_RW_SESSION;
import static sun.security.pkcs11.wrapper.PKCS11Constants.CKF_SERIAL_SESSION;
import static sun.security.pkcs11.wrapper.PKCS11Constants.CKS_RO_USER_FUNCTIONS;
import static sun.security.pkcs11.wrapper.PKCS11Constants.CKS_RW_USER_FUNCTIONS;

import java.nio.file.Path;
import sun.security.pkcs11.wrapper.PKCS11;

/**
 * Faults a test injects into the token of a daemon running in the same JVM. SoftHSM2 keeps the
 * login state per process, so a logout by another process never reaches the daemon: the only
 * way to log a daemon out is C_Logout on the same module, which this does. Kept out of test
 * classes (like {@link WeakKeys}): no wrapper type appears in a signature.
 */
public final class TokenFaults {
    private TokenFaults() {
    }

    /** C_Logout on the token labelled {@code label}: every session of this process loses it. */
    public static void logOut(Path library, String label) throws Exception {
        Pkcs11Library loaded = Pkcs11Library.load(library);
        PKCS11 module = loaded.module();
        long session = module.C_OpenSession(loaded.slotOf(label),
                CKF_SERIAL_SESSION | CKF_RW_SESSION, null, null);
        try {
            module.C_Logout(session);
        } finally {
            module.C_CloseSession(session);
        }
    }

    /** Whether this process is logged in to the token labelled {@code label}. */
    public static boolean isLoggedIn(Path library, String label) throws Exception {
        Pkcs11Library loaded = Pkcs11Library.load(library);
        PKCS11 module = loaded.module();
        long session = module.C_OpenSession(loaded.slotOf(label),
                CKF_SERIAL_SESSION | CKF_RW_SESSION, null, null);
        try {
            long state = module.C_GetSessionInfo(session).state;
            return state == CKS_RO_USER_FUNCTIONS || state == CKS_RW_USER_FUNCTIONS;
        } finally {
            module.C_CloseSession(session);
        }
    }

    /** Reads the label of an object handle no object has, through {@code token}'s session. */
    static void readMissingObject(Pkcs11Token token) throws TokenException {
        token.inSession((module, session) -> {
            module.C_GetAttributeValue(session, 0x7fff_fff0L,
                    new sun.security.pkcs11.wrapper.CK_ATTRIBUTE[] {
                        new sun.security.pkcs11.wrapper.CK_ATTRIBUTE(
                                sun.security.pkcs11.wrapper.PKCS11Constants.CKA_LABEL)});
            return null;
        });
    }

    /**
     * What {@link TokenObjects#secretValueReadable} answers for the private key labelled
     * {@code label} when told it is an EC key: for an RSA key that asks for CKA_VALUE, which
     * an RSA key does not have, so the token answers CKR_ATTRIBUTE_TYPE_INVALID.
     */
    static boolean secretValueReadableAsEcKey(Pkcs11Token token, String label)
            throws TokenException {
        return token.inSession((module, session) -> {
            long[] found = Pkcs11Search.all(module, session,
                    new sun.security.pkcs11.wrapper.CK_ATTRIBUTE[] {
                        new sun.security.pkcs11.wrapper.CK_ATTRIBUTE(
                                sun.security.pkcs11.wrapper.PKCS11Constants.CKA_CLASS,
                                sun.security.pkcs11.wrapper.PKCS11Constants.CKO_PRIVATE_KEY),
                        new sun.security.pkcs11.wrapper.CK_ATTRIBUTE(
                                sun.security.pkcs11.wrapper.PKCS11Constants.CKA_LABEL,
                                label.toCharArray())});
            return TokenObjects.secretValueReadable(module, session, found[0],
                    sun.security.pkcs11.wrapper.PKCS11Constants.CKK_EC);
        });
    }

    /** What {@link TokenObjects#secretValueReadable} answers for a handle no object has. */
    static boolean secretValueOfMissingObject(Pkcs11Token token) throws TokenException {
        return token.inSession((module, session) -> TokenObjects.secretValueReadable(module,
                session, 0x7fff_fff0L, sun.security.pkcs11.wrapper.PKCS11Constants.CKK_EC));
    }

    /**
     * A private data object with neither label nor application, as a state record write
     * killed inside C_CreateObject leaves it on SoftHSM2.
     */
    public static void createAnonymousData(Pkcs11Token token) throws TokenException {
        token.inSession((module, session) -> module.C_CreateObject(session,
                new sun.security.pkcs11.wrapper.CK_ATTRIBUTE[] {
                    new sun.security.pkcs11.wrapper.CK_ATTRIBUTE(
                            sun.security.pkcs11.wrapper.PKCS11Constants.CKA_CLASS,
                            sun.security.pkcs11.wrapper.PKCS11Constants.CKO_DATA),
                    new sun.security.pkcs11.wrapper.CK_ATTRIBUTE(
                            sun.security.pkcs11.wrapper.PKCS11Constants.CKA_TOKEN, true),
                    new sun.security.pkcs11.wrapper.CK_ATTRIBUTE(
                            sun.security.pkcs11.wrapper.PKCS11Constants.CKA_PRIVATE, true),
                    new sun.security.pkcs11.wrapper.CK_ATTRIBUTE(
                            sun.security.pkcs11.wrapper.PKCS11Constants.CKA_VALUE,
                            new byte[] {1, 2, 3})}));
    }
}
