package org.smimed.daemon.token;

import static sun.security.pkcs11.wrapper.PKCS11Constants.*;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import sun.security.pkcs11.wrapper.CK_ATTRIBUTE;
import sun.security.pkcs11.wrapper.CK_MECHANISM;

/**
 * Makes deliberately weak keys, so tests can show their protection checks fail when
 * they should. Kept out of test classes: JUnit reflects over test classes before the JVM
 * options that export the PKCS#11 wrapper apply to discovery.
 */
final class WeakKeys {
    private WeakKeys() {
    }

    static void generateExtractableRsaKey(Pkcs11Token token, String label) throws TokenException {
        generateRsaKeyPair(token, List.of(), List.of(
                new CK_ATTRIBUTE(CKA_SENSITIVE, false),
                new CK_ATTRIBUTE(CKA_EXTRACTABLE, true),
                new CK_ATTRIBUTE(CKA_LABEL, label.toCharArray())));
    }

    /**
     * An EC P-256 key pair whose private key is neither sensitive nor extractable-protected:
     * the token hands out its CKA_VALUE, so the check of that branch can be seen to say so.
     */
    static void generateExtractableEcKey(Pkcs11Token token, String label) throws TokenException {
        CK_ATTRIBUTE[] publicTemplate = {
            new CK_ATTRIBUTE(CKA_TOKEN, true),
            // DER OID 1.2.840.10045.3.1.7 (prime256v1), as CKA_EC_PARAMS wants it.
            new CK_ATTRIBUTE(CKA_EC_PARAMS, new byte[] {0x06, 0x08, 0x2a, (byte) 0x86, 0x48,
                (byte) 0xce, 0x3d, 0x03, 0x01, 0x07}),
            new CK_ATTRIBUTE(CKA_LABEL, label.toCharArray())};
        CK_ATTRIBUTE[] privateTemplate = {
            new CK_ATTRIBUTE(CKA_TOKEN, true), new CK_ATTRIBUTE(CKA_PRIVATE, true),
            new CK_ATTRIBUTE(CKA_SENSITIVE, false), new CK_ATTRIBUTE(CKA_EXTRACTABLE, true),
            new CK_ATTRIBUTE(CKA_SIGN, true), new CK_ATTRIBUTE(CKA_LABEL, label.toCharArray())};
        token.inSession((module, session) -> module.C_GenerateKeyPair(session,
                new CK_MECHANISM(CKM_EC_KEY_PAIR_GEN), publicTemplate, privateTemplate));
    }

    /**
     * An encrypt-only RSA key as smimed made them before keys were locked: sensitive and not
     * extractable, CKA_SIGN false, CKA_MODIFIABLE and CKA_COPYABLE left at the token's default.
     */
    static void generateModifiableEncryptionKey(Pkcs11Token token, String label)
            throws TokenException {
        generateRsaKeyPair(token, List.of(
                new CK_ATTRIBUTE(CKA_ID, label.getBytes(StandardCharsets.UTF_8)),
                new CK_ATTRIBUTE(CKA_LABEL, label.toCharArray())), List.of(
                new CK_ATTRIBUTE(CKA_SENSITIVE, true),
                new CK_ATTRIBUTE(CKA_EXTRACTABLE, false),
                new CK_ATTRIBUTE(CKA_SIGN, false),
                new CK_ATTRIBUTE(CKA_DECRYPT, true),
                new CK_ATTRIBUTE(CKA_UNWRAP, true),
                new CK_ATTRIBUTE(CKA_ID, label.getBytes(StandardCharsets.UTF_8)),
                new CK_ATTRIBUTE(CKA_LABEL, label.toCharArray())));
    }

    /**
     * A key pair as another application (or pkcs11-tool without --id) makes it: no id, no label.
     */
    static void generateKeyWithoutIdOrLabel(Pkcs11Token token) throws TokenException {
        generateRsaKeyPair(token, List.of(), List.of(
                new CK_ATTRIBUTE(CKA_SENSITIVE, true),
                new CK_ATTRIBUTE(CKA_SIGN, true)));
    }

    /**
     * A 1024-bit RSA token key pair: the public key with {@code publicNames} (CKA_ID, CKA_LABEL)
     * before its size and exponent, the private key private, with {@code privateAttributes}.
     */
    private static void generateRsaKeyPair(Pkcs11Token token, List<CK_ATTRIBUTE> publicNames,
                                           List<CK_ATTRIBUTE> privateAttributes)
            throws TokenException {
        List<CK_ATTRIBUTE> publicTemplate = new ArrayList<>();
        publicTemplate.add(new CK_ATTRIBUTE(CKA_TOKEN, true));
        publicTemplate.addAll(publicNames);
        publicTemplate.add(new CK_ATTRIBUTE(CKA_MODULUS_BITS, 1024));
        publicTemplate.add(new CK_ATTRIBUTE(CKA_PUBLIC_EXPONENT, BigInteger.valueOf(65537)));
        List<CK_ATTRIBUTE> privateTemplate = new ArrayList<>(List.of(
                new CK_ATTRIBUTE(CKA_TOKEN, true), new CK_ATTRIBUTE(CKA_PRIVATE, true)));
        privateTemplate.addAll(privateAttributes);
        token.inSession((module, session) -> module.C_GenerateKeyPair(session,
                new CK_MECHANISM(CKM_RSA_PKCS_KEY_PAIR_GEN),
                publicTemplate.toArray(CK_ATTRIBUTE[]::new),
                privateTemplate.toArray(CK_ATTRIBUTE[]::new)));
    }
}
