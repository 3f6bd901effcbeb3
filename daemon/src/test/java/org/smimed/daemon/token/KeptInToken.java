package org.smimed.daemon.token;

import static sun.security.pkcs11.wrapper.PKCS11Constants.*;

import java.util.LinkedHashMap;
import java.util.Map;
import org.assertj.core.api.SoftAssertions;
import sun.security.pkcs11.wrapper.CK_ATTRIBUTE;
import sun.security.pkcs11.wrapper.PKCS11;
import sun.security.pkcs11.wrapper.PKCS11Exception;

/**
 * The one check that a private key the daemon made or imported can never leave the token, read
 * from the token through PKCS#11 on its own rather than through {@link TokenObjects#protection}:
 * a check that shares the production reader would share its mistakes. Kept out of test classes
 * (like {@link WeakKeys}): no wrapper type appears in a test class's signatures.
 */
public final class KeptInToken {
    private static final long CKR_ATTRIBUTE_SENSITIVE = 0x11L;
    /** What {@link #secretRefusals} records when the token handed the secret out. */
    private static final long HANDED_OUT = -1L;

    private KeptInToken() {
    }

    /**
     * Asserts that the private key labelled {@code label} has CKA_TOKEN, CKA_PRIVATE and
     * CKA_SENSITIVE true; CKA_EXTRACTABLE, CKA_MODIFIABLE and CKA_COPYABLE false (what
     * {@link KeyTemplates#privateKey} promises); CKA_ALWAYS_SENSITIVE and CKA_NEVER_EXTRACTABLE
     * equal to {@code generated} (an imported key existed outside the token, so false is the
     * truth there); and that asking for its secret parts gets CKR_ATTRIBUTE_SENSITIVE, no
     * other answer.
     */
    public static void assertKeptInToken(Pkcs11Token token, String label, boolean generated)
            throws TokenException {
        Reading reading = token.inSession((module, session) -> read(module, session, label));
        SoftAssertions softly = new SoftAssertions();
        softly.assertThat(reading.handles).as("private keys labelled %s", label).isEqualTo(1);
        if (reading.handles == 1) {
            Map<String, Boolean> f = reading.flags;
            softly.assertThat(f.get("CKA_TOKEN")).as(label + " CKA_TOKEN").isTrue();
            softly.assertThat(f.get("CKA_PRIVATE")).as(label + " CKA_PRIVATE").isTrue();
            softly.assertThat(f.get("CKA_SENSITIVE")).as(label + " CKA_SENSITIVE").isTrue();
            softly.assertThat(f.get("CKA_EXTRACTABLE")).as(label + " CKA_EXTRACTABLE").isFalse();
            softly.assertThat(f.get("CKA_MODIFIABLE")).as(label + " CKA_MODIFIABLE").isFalse();
            softly.assertThat(f.get("CKA_COPYABLE")).as(label + " CKA_COPYABLE").isFalse();
            softly.assertThat(f.get("CKA_ALWAYS_SENSITIVE")).as(label + " CKA_ALWAYS_SENSITIVE")
                    .isEqualTo(generated);
            softly.assertThat(f.get("CKA_NEVER_EXTRACTABLE"))
                    .as(label + " CKA_NEVER_EXTRACTABLE").isEqualTo(generated);
            softly.assertThat(reading.secrets).as(label + " secret attributes asked for")
                    .isNotEmpty();
            reading.secrets.forEach((name, code) -> softly.assertThat(code)
                    .as(label + " C_GetAttributeValue(" + name + ") (-1: handed out)")
                    .isEqualTo(CKR_ATTRIBUTE_SENSITIVE));
        }
        softly.assertAll();
    }

    /** What the token said about one label's private keys; flags only when there is one. */
    private record Reading(int handles, Map<String, Boolean> flags, Map<String, Long> secrets) {
    }

    private static Reading read(PKCS11 module, long session, String label)
            throws PKCS11Exception {
        long[] found = Pkcs11Search.all(module, session, new CK_ATTRIBUTE[] {
            new CK_ATTRIBUTE(CKA_CLASS, CKO_PRIVATE_KEY),
            new CK_ATTRIBUTE(CKA_LABEL, label.toCharArray())});
        if (found.length != 1) {
            return new Reading(found.length, Map.of(), Map.of());
        }
        Map<String, Long> types = new LinkedHashMap<>();
        types.put("CKA_TOKEN", CKA_TOKEN);
        types.put("CKA_PRIVATE", CKA_PRIVATE);
        types.put("CKA_SENSITIVE", CKA_SENSITIVE);
        types.put("CKA_EXTRACTABLE", CKA_EXTRACTABLE);
        types.put("CKA_MODIFIABLE", CKA_MODIFIABLE);
        types.put("CKA_COPYABLE", KeyTemplates.CKA_COPYABLE);
        types.put("CKA_ALWAYS_SENSITIVE", CKA_ALWAYS_SENSITIVE);
        types.put("CKA_NEVER_EXTRACTABLE", CKA_NEVER_EXTRACTABLE);
        Map<String, Boolean> flags = new LinkedHashMap<>();
        for (Map.Entry<String, Long> type : types.entrySet()) {
            // One at a time: a token that does not know an attribute fails the test on it alone.
            CK_ATTRIBUTE[] a = {new CK_ATTRIBUTE(type.getValue())};
            module.C_GetAttributeValue(session, found[0], a);
            flags.put(type.getKey(), bool(a[0]));
        }
        CK_ATTRIBUTE[] keyType = {new CK_ATTRIBUTE(CKA_KEY_TYPE)};
        module.C_GetAttributeValue(session, found[0], keyType);
        return new Reading(1, flags, secretRefusals(module, session, found[0],
                keyType[0].getLong()));
    }

    /**
     * The return value of asking for each secret attribute of a key of {@code keyType}: for RSA
     * every private CRT part, for EC, Edwards and Montgomery keys CKA_VALUE. Any failure is
     * recorded, not thrown, so the assertion names the attribute and the code.
     */
    private static Map<String, Long> secretRefusals(PKCS11 module, long session, long key,
                                                    long keyType) {
        Map<String, Long> secrets = new LinkedHashMap<>();
        if (keyType == CKK_RSA) {
            secrets.put("CKA_PRIVATE_EXPONENT", CKA_PRIVATE_EXPONENT);
            secrets.put("CKA_PRIME_1", CKA_PRIME_1);
            secrets.put("CKA_PRIME_2", CKA_PRIME_2);
            secrets.put("CKA_EXPONENT_1", CKA_EXPONENT_1);
            secrets.put("CKA_EXPONENT_2", CKA_EXPONENT_2);
            secrets.put("CKA_COEFFICIENT", CKA_COEFFICIENT);
        } else if (keyType == CKK_EC || keyType == EdwardsOperations.CKK_EC_EDWARDS
                || keyType == EdwardsOperations.CKK_EC_MONTGOMERY) {
            secrets.put("CKA_VALUE", CKA_VALUE);
        }
        Map<String, Long> codes = new LinkedHashMap<>();
        secrets.forEach((name, type) -> {
            try {
                module.C_GetAttributeValue(session, key,
                        new CK_ATTRIBUTE[] {new CK_ATTRIBUTE(type)});
                codes.put(name, HANDED_OUT);
            } catch (PKCS11Exception e) {
                codes.put(name, e.getErrorCode());
            }
        });
        return codes;
    }

    /** A CK_BBOOL; a wrapper that does not know the type hands it back as the raw byte. */
    private static boolean bool(CK_ATTRIBUTE attribute) {
        return attribute.pValue instanceof byte[] raw ? raw.length > 0 && raw[0] != 0
                : attribute.getBoolean();
    }
}
