package org.smimed.daemon.token;

import java.util.Arrays;
import sun.security.pkcs11.wrapper.CK_ATTRIBUTE;
import sun.security.pkcs11.wrapper.PKCS11;
import sun.security.pkcs11.wrapper.PKCS11Exception;

/** {@code C_FindObjects} until the token has no more matches. */
final class Pkcs11Search {
    private static final int BATCH = 64;

    private Pkcs11Search() {
    }

    static long[] all(PKCS11 module, long session, CK_ATTRIBUTE[] template)
            throws PKCS11Exception {
        module.C_FindObjectsInit(session, template);
        try {
            long[] found = new long[0];
            while (true) {
                long[] batch = module.C_FindObjects(session, BATCH);
                if (batch == null || batch.length == 0) {
                    return found;
                }
                int old = found.length;
                found = Arrays.copyOf(found, old + batch.length);
                System.arraycopy(batch, 0, found, old, batch.length);
            }
        } finally {
            module.C_FindObjectsFinal(session);
        }
    }
}
