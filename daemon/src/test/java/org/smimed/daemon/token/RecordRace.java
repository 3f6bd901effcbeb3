package org.smimed.daemon.token;

import static sun.security.pkcs11.wrapper.PKCS11Constants.CKA_VALUE;

import java.nio.charset.StandardCharsets;
import sun.security.pkcs11.wrapper.CK_ATTRIBUTE;

/**
 * Finds a state record, lets something happen, then uses what it found: the interleaving of
 * two daemons on one token, replayed in one process. Kept out of the test class so JUnit's
 * discovery never reflects on the JDK wrapper's types.
 */
final class RecordRace {
    /** What happens between the find and the read; {@code attempt} counts from 1. */
    @FunctionalInterface
    interface Between {
        void run(int attempt) throws TokenException;
    }

    private RecordRace() {
    }

    /**
     * The value of the record labelled {@code label}, read after {@code between} ran, through
     * {@link Pkcs11Token#inSessionAfresh} when {@code afresh}, else {@link Pkcs11Token#inSession}.
     */
    static String findThenRead(Pkcs11Token token, boolean afresh, String label, Between between)
            throws TokenException {
        int[] attempt = {0};
        Pkcs11Token.SessionWork<String> work = (module, session) -> {
            long[] found = KeyObjects.findData(module, session, label);
            between.run(++attempt[0]);
            CK_ATTRIBUTE[] value = {new CK_ATTRIBUTE(CKA_VALUE)};
            module.C_GetAttributeValue(session, found[0], value);
            return new String(value[0].getByteArray(), StandardCharsets.UTF_8);
        };
        return afresh ? token.inSessionAfresh(work) : token.inSession(work);
    }

    /** How many records labelled {@code label} the token holds. */
    static int count(Pkcs11Token token, String label) throws TokenException {
        return token.inSession(
                (module, session) -> KeyObjects.findData(module, session, label).length);
    }
}
