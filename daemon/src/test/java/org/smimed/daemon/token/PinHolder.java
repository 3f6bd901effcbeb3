package org.smimed.daemon.token;

import static sun.security.pkcs11.wrapper.PKCS11Constants.*;

import sun.security.pkcs11.wrapper.CK_ATTRIBUTE;
import sun.security.pkcs11.wrapper.PKCS11;
import sun.security.pkcs11.wrapper.PKCS11Exception;

/**
 * What anyone with the user PIN can try on a private key through plain PKCS#11 (what the outside
 * review did): give it CKA_SIGN in place, or copy it with CKA_SIGN. Each answers the token's
 * CKR code, 0 when the token went along. Kept out of test classes for the reason
 * {@link WeakKeys} gives.
 */
final class PinHolder {
    private PinHolder() {
    }

    /** C_SetAttributeValue(CKA_SIGN = true) on the private key labelled {@code label}. */
    static long addSigning(Pkcs11Token token, String label) throws TokenException {
        return token.inSession((module, session) -> {
            try {
                module.C_SetAttributeValue(session, key(module, session, label),
                        new CK_ATTRIBUTE[] {new CK_ATTRIBUTE(CKA_SIGN, true)});
                return 0L;
            } catch (PKCS11Exception e) {
                return e.getErrorCode();
            }
        });
    }

    /**
     * C_CopyObject of the private key labelled {@code label} as a session object with CKA_SIGN
     * true; a copy made is destroyed again.
     */
    static long copyWithSigning(Pkcs11Token token, String label) throws TokenException {
        return token.inSession((module, session) -> {
            try {
                long copy = module.C_CopyObject(session, key(module, session, label),
                        new CK_ATTRIBUTE[] {new CK_ATTRIBUTE(CKA_TOKEN, false),
                            new CK_ATTRIBUTE(CKA_SIGN, true)});
                module.C_DestroyObject(session, copy);
                return 0L;
            } catch (PKCS11Exception e) {
                return e.getErrorCode();
            }
        });
    }

    /** Whether the private key labelled {@code label} now has CKA_SIGN. */
    static boolean signs(Pkcs11Token token, String label) throws TokenException {
        return token.inSession((module, session) -> {
            CK_ATTRIBUTE[] sign = {new CK_ATTRIBUTE(CKA_SIGN)};
            module.C_GetAttributeValue(session, key(module, session, label), sign);
            return sign[0].getBoolean();
        });
    }

    private static long key(PKCS11 module, long session, String label)
            throws PKCS11Exception, TokenException {
        long[] found = Pkcs11Search.all(module, session, new CK_ATTRIBUTE[] {
            new CK_ATTRIBUTE(CKA_CLASS, CKO_PRIVATE_KEY),
            new CK_ATTRIBUTE(CKA_LABEL, label.toCharArray())});
        if (found.length != 1) {
            throw new TokenException(TokenException.Kind.REJECTED,
                    found.length + " private keys labelled '" + label + "'");
        }
        return found[0];
    }
}
