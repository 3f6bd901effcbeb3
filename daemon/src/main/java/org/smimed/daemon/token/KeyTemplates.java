package org.smimed.daemon.token;

import static sun.security.pkcs11.wrapper.PKCS11Constants.*;

import java.util.List;
import sun.security.pkcs11.wrapper.CK_ATTRIBUTE;

/**
 * The attributes every key object the daemon creates carries, generated or imported, whatever
 * its algorithm; usages and key values are added by the caller.
 *
 * <p>Security guarantees: a private key is CKA_TOKEN, CKA_PRIVATE and CKA_SENSITIVE, not
 * CKA_EXTRACTABLE, and neither CKA_MODIFIABLE nor CKA_COPYABLE, so not even the user PIN can
 * give it a usage it was not made with: the token refuses C_SetAttributeValue on it, and
 * C_CopyObject of it (whose template may set the copy's usages). A public key is not
 * CKA_MODIFIABLE either: the daemon checks certificates against it by its CKA_ID. Nothing in the
 * daemon changes a key object once made (key states live in data objects), and CKA_DESTROYABLE
 * keeps its default, true, so destroy still removes both.
 */
final class KeyTemplates {
    /**
     * PKCS#11 2.40 CKA_COPYABLE, named here (as EdwardsOperations names its own) because the
     * wrapper's constant set differs between JDK releases.
     */
    static final long CKA_COPYABLE = 0x171L;

    private KeyTemplates() {
    }

    /** The common attributes of a token private key with CKA_ID {@code id}. */
    static List<CK_ATTRIBUTE> privateKey(byte[] id, String label) {
        return List.of(new CK_ATTRIBUTE(CKA_TOKEN, true), new CK_ATTRIBUTE(CKA_PRIVATE, true),
                new CK_ATTRIBUTE(CKA_SENSITIVE, true), new CK_ATTRIBUTE(CKA_EXTRACTABLE, false),
                new CK_ATTRIBUTE(CKA_MODIFIABLE, false), new CK_ATTRIBUTE(CKA_COPYABLE, false),
                new CK_ATTRIBUTE(CKA_ID, id), new CK_ATTRIBUTE(CKA_LABEL, label.toCharArray()));
    }

    /**
     * The common attributes of a token public key with CKA_ID {@code id}. It stays copyable: a
     * copy holds nothing that creating a public key object from the certificate would not.
     */
    static List<CK_ATTRIBUTE> publicKey(byte[] id, String label) {
        return List.of(new CK_ATTRIBUTE(CKA_TOKEN, true), new CK_ATTRIBUTE(CKA_PRIVATE, false),
                new CK_ATTRIBUTE(CKA_MODIFIABLE, false),
                new CK_ATTRIBUTE(CKA_ID, id), new CK_ATTRIBUTE(CKA_LABEL, label.toCharArray()));
    }
}
