package org.smimed.daemon.token;

import static sun.security.pkcs11.wrapper.PKCS11Constants.*;

import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPublicKey;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Predicate;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import sun.security.pkcs11.wrapper.CK_ATTRIBUTE;
import sun.security.pkcs11.wrapper.PKCS11;
import sun.security.pkcs11.wrapper.PKCS11Exception;

/**
 * Writes and removes the objects of key versions through PKCS#11: the daemon's state data
 * objects, imported private keys, and whole versions on destroy. Objects of one version share
 * one CKA_ID (lower-case hex in this API).
 *
 * <p>Security guarantees: an imported private key is created with CKA_TOKEN, CKA_PRIVATE and
 * CKA_SENSITIVE true and CKA_EXTRACTABLE, CKA_MODIFIABLE and CKA_COPYABLE false
 * ({@link KeyTemplates}), with only the usages asked for, which the user PIN cannot add to; the
 * byte arrays this class makes from the key are cleared once the token has the key.
 */
public final class KeyObjects {
    private static final int ID_BYTES = 16;
    private static final long CKR_ATTRIBUTE_READ_ONLY = 0x10;

    private final Pkcs11Token token;
    private final SecureRandom random;

    public KeyObjects(Pkcs11Token token, SecureRandom random) {
        this.token = token;
        this.random = random;
    }

    /**
     * Creates a private, token-resident data object of application "smimed" labelled
     * {@code label}. (PKCS#11 data objects have no CKA_ID; the label names them.)
     */
    public void createData(String label, byte[] value) throws TokenException {
        CK_ATTRIBUTE[] template = dataTemplate(label, value);
        token.inSession((module, session) -> module.C_CreateObject(session, template));
    }

    /**
     * Creates the data object as {@link #createData} does, unless one labelled {@code label}
     * exists once it is written: then it destroys its own and returns false. Two writers of
     * one label (daemons sharing the token, each taking the same next version number) cannot
     * both see only their own, since each writes before it looks; both may lose, never both
     * win. An operator trial made one version of two keys that way, through two replicas.
     */
    public boolean createDataAlone(String label, byte[] value) throws TokenException {
        CK_ATTRIBUTE[] template = dataTemplate(label, value);
        return token.inSession((module, session) -> {
            long created = module.C_CreateObject(session, template);
            boolean alone = false;
            try {
                alone = findData(module, session, label).length == 1;
                return alone;
            } finally {
                if (!alone) {
                    // Also when the search failed: a record left beside another daemon's
                    // would read as an interrupted generate, for start-up to remove.
                    destroyUnlessGone(module, session, created);
                }
            }
        });
    }

    /**
     * Replaces the value of the daemon's data object labelled {@code label}. Where the token
     * refuses to modify CKA_VALUE, a new object is created before the old one is destroyed, so
     * a crash leaves two records (start-up keeps the newer) rather than none.
     *
     * @throws MissingRecordException if there is no such record: an update is only ever asked
     *         for a record the daemon has read, so its absence means key state would be lost
     *         (a version without a record reads as legacy); nothing is written then
     */
    public void updateData(String label, byte[] value)
            throws TokenException, MissingRecordException {
        // Afresh: a stale handle can only fail the first C_SetAttributeValue, before anything
        // is written, so doing it all again is safe; the old records are then destroyed
        // leniently, which never throws a stale handle after the new record exists.
        boolean found = token.inSessionAfresh((module, session) -> {
            long[] records = findData(module, session, label);
            if (records.length == 0) {
                return false;
            }
            try {
                for (long handle : records) {
                    module.C_SetAttributeValue(session, handle,
                            new CK_ATTRIBUTE[] {new CK_ATTRIBUTE(CKA_VALUE, value)});
                }
            } catch (PKCS11Exception e) {
                if (e.getErrorCode() != CKR_ATTRIBUTE_READ_ONLY) {
                    throw e;
                }
                module.C_CreateObject(session, dataTemplate(label, value));
                for (long handle : records) {
                    destroyUnlessGone(module, session, handle);
                }
            }
            return true;
        });
        if (!found) {
            throw new MissingRecordException(label);
        }
    }

    /** The public key of the version with CKA_ID {@code id}, read from its public key object. */
    public PublicKey publicKey(String id, KeyAlgorithm algorithm) throws TokenException {
        return token.inSessionAfresh((module, session) -> {
            long[] found = Pkcs11Search.all(module, session, new CK_ATTRIBUTE[] {
                new CK_ATTRIBUTE(CKA_CLASS, CKO_PUBLIC_KEY), new CK_ATTRIBUTE(CKA_ID, bytes(id))});
            if (found.length != 1) {
                throw new TokenException(TokenException.Kind.REJECTED,
                        found.length + " public keys with the version's CKA_ID");
            }
            return TokenObjects.publicKey(module, session, found[0], algorithm);
        });
    }

    /**
     * Destroys the daemon's data objects labelled {@code label} whose value {@code which}
     * accepts: a label may name another daemon's record too, for a moment (see
     * {@link #createDataAlone}), and that one must stay.
     */
    public int destroyData(String label, Predicate<byte[]> which) throws TokenException {
        return token.inSession((module, session) -> {
            int destroyed = 0;
            for (long handle : findData(module, session, label)) {
                CK_ATTRIBUTE[] value = {new CK_ATTRIBUTE(CKA_VALUE)};
                module.C_GetAttributeValue(session, handle, value);
                if (which.test(value[0].getByteArray())) {
                    destroyUnlessGone(module, session, handle);
                    destroyed++;
                }
            }
            return destroyed;
        });
    }

    /** Destroys every one of the daemon's data objects labelled {@code label}. */
    public int destroyData(String label) throws TokenException {
        return destroyData(label, value -> true);
    }

    /** The daemon's data objects labelled {@code label}; package-private for test rigs. */
    static long[] findData(PKCS11 module, long session, String label)
            throws PKCS11Exception {
        return Pkcs11Search.all(module, session, new CK_ATTRIBUTE[] {
            new CK_ATTRIBUTE(CKA_CLASS, CKO_DATA),
            new CK_ATTRIBUTE(CKA_APPLICATION,
                    TokenInventory.APPLICATION.getBytes(StandardCharsets.UTF_8)),
            new CK_ATTRIBUTE(CKA_LABEL, label.toCharArray())});
    }

    /** Destroys every object of class {@code objectClass} with CKA_ID {@code id}. */
    public int destroy(String id, ObjectClass objectClass) throws TokenException {
        return token.inSession((module, session) -> {
            long[] found = Pkcs11Search.all(module, session, new CK_ATTRIBUTE[] {
                new CK_ATTRIBUTE(CKA_CLASS, objectClass.code),
                new CK_ATTRIBUTE(CKA_ID, bytes(id))});
            for (long handle : found) {
                destroyUnlessGone(module, session, handle);
            }
            return found.length;
        });
    }

    /**
     * Destroys the object {@code handle} found a moment ago; one that another process on the
     * token destroyed in between is already what this wants.
     */
    private static void destroyUnlessGone(PKCS11 module, long session, long handle)
            throws PKCS11Exception {
        try {
            module.C_DestroyObject(session, handle);
        } catch (PKCS11Exception e) {
            if (!TokenErrors.isStaleHandle(e)) {
                throw e;
            }
        }
    }

    /** Object classes a key version consists of. */
    public enum ObjectClass {
        PRIVATE_KEY(CKO_PRIVATE_KEY), PUBLIC_KEY(CKO_PUBLIC_KEY), CERTIFICATE(CKO_CERTIFICATE);

        private final long code;

        ObjectClass(long code) {
            this.code = code;
        }
    }

    /**
     * Imports a private key (RSA CRT or EC) and its public key as token objects labelled
     * {@code label}; returns the new CKA_ID.
     */
    public String importKeyPair(String label, PrivateKey key, PublicKey publicKey,
                                KeyUsage usage) throws TokenException {
        return importKeyPair(newId(), label, key, publicKey, usage);
    }

    /** A fresh random CKA_ID (hex), for objects whose record is written before them. */
    public String newId() {
        byte[] idBytes = new byte[ID_BYTES];
        random.nextBytes(idBytes);
        return HexFormat.of().formatHex(idBytes);
    }

    /** {@link #importKeyPair(String, PrivateKey, PublicKey, KeyUsage)} under CKA_ID {@code id}. */
    public String importKeyPair(String id, String label, PrivateKey key, PublicKey publicKey,
                                KeyUsage usage) throws TokenException {
        byte[] idBytes = HexFormat.of().parseHex(id);
        List<byte[]> secrets = new ArrayList<>();
        try {
            CK_ATTRIBUTE[] priv = privateTemplate(idBytes, label, key, publicKey, usage, secrets);
            CK_ATTRIBUTE[] pub = publicTemplate(idBytes, label, publicKey, usage);
            token.inSession((module, session) -> {
                module.C_CreateObject(session, priv);
                module.C_CreateObject(session, pub);
                return null;
            });
            return id;
        } finally {
            secrets.forEach(s -> Arrays.fill(s, (byte) 0));
        }
    }

    private static CK_ATTRIBUTE[] privateTemplate(byte[] id, String label, PrivateKey key,
                                                  PublicKey publicKey, KeyUsage usage,
                                                  List<byte[]> secrets)
            throws TokenException {
        List<CK_ATTRIBUTE> t = new ArrayList<>(List.of(
                new CK_ATTRIBUTE(CKA_CLASS, CKO_PRIVATE_KEY)));
        t.addAll(KeyTemplates.privateKey(id, label));
        t.add(new CK_ATTRIBUTE(CKA_SIGN, usage.signs()));
        t.add(new CK_ATTRIBUTE(CKA_SIGN_RECOVER, false));
        if (key instanceof RSAPrivateCrtKey rsa) {
            t.add(new CK_ATTRIBUTE(CKA_KEY_TYPE, CKK_RSA));
            t.add(new CK_ATTRIBUTE(CKA_DECRYPT, usage.decrypts()));
            // RSA key transport is CKM_RSA_X_509 decryption (CKA_DECRYPT); nothing unwraps.
            t.add(new CK_ATTRIBUTE(CKA_UNWRAP, false));
            t.add(new CK_ATTRIBUTE(CKA_DERIVE, false));
            t.add(secret(CKA_MODULUS, rsa.getModulus(), secrets));
            t.add(secret(CKA_PUBLIC_EXPONENT, rsa.getPublicExponent(), secrets));
            t.add(secret(CKA_PRIVATE_EXPONENT, rsa.getPrivateExponent(), secrets));
            t.add(secret(CKA_PRIME_1, rsa.getPrimeP(), secrets));
            t.add(secret(CKA_PRIME_2, rsa.getPrimeQ(), secrets));
            t.add(secret(CKA_EXPONENT_1, rsa.getPrimeExponentP(), secrets));
            t.add(secret(CKA_EXPONENT_2, rsa.getPrimeExponentQ(), secrets));
            t.add(secret(CKA_COEFFICIENT, rsa.getCrtCoefficient(), secrets));
        } else if (key instanceof ECPrivateKey ec) {
            t.add(new CK_ATTRIBUTE(CKA_KEY_TYPE, CKK_EC));
            t.add(new CK_ATTRIBUTE(CKA_DECRYPT, false));
            t.add(new CK_ATTRIBUTE(CKA_UNWRAP, false));
            t.add(new CK_ATTRIBUTE(CKA_DERIVE, usage.decrypts()));
            t.add(new CK_ATTRIBUTE(CKA_EC_PARAMS, curve(publicKey)));
            t.add(secret(CKA_VALUE, ec.getS(), secrets));
        } else if (EdwardsKeyImport.algorithm(key) != null) {
            EdwardsKeyImport.privateAttributes(key, usage, t, secrets);
        } else {
            throw new TokenException(TokenException.Kind.REJECTED,
                    "only RSA (CRT form), EC, Ed25519 and X25519 private keys can be imported");
        }
        return t.toArray(CK_ATTRIBUTE[]::new);
    }

    private static CK_ATTRIBUTE[] publicTemplate(byte[] id, String label, PublicKey key,
                                                 KeyUsage usage) throws TokenException {
        List<CK_ATTRIBUTE> t = new ArrayList<>(List.of(
                new CK_ATTRIBUTE(CKA_CLASS, CKO_PUBLIC_KEY)));
        t.addAll(KeyTemplates.publicKey(id, label));
        t.add(new CK_ATTRIBUTE(CKA_VERIFY, usage.signs()));
        t.add(new CK_ATTRIBUTE(CKA_WRAP, false));
        if (key instanceof RSAPublicKey rsa) {
            t.add(new CK_ATTRIBUTE(CKA_KEY_TYPE, CKK_RSA));
            t.add(new CK_ATTRIBUTE(CKA_MODULUS, rsa.getModulus()));
            t.add(new CK_ATTRIBUTE(CKA_PUBLIC_EXPONENT, rsa.getPublicExponent()));
            t.add(new CK_ATTRIBUTE(CKA_ENCRYPT, usage.decrypts()));
        } else if (key instanceof ECPublicKey) {
            SubjectPublicKeyInfo info = SubjectPublicKeyInfo.getInstance(key.getEncoded());
            t.add(new CK_ATTRIBUTE(CKA_KEY_TYPE, CKK_EC));
            t.add(new CK_ATTRIBUTE(CKA_EC_PARAMS, curve(key)));
            try {
                t.add(new CK_ATTRIBUTE(CKA_EC_POINT, new DEROctetString(
                        info.getPublicKeyData().getOctets()).getEncoded()));
            } catch (java.io.IOException e) {
                throw new TokenException(TokenException.Kind.REJECTED, "bad EC public key", e);
            }
        } else if (EdwardsKeyImport.algorithm(key) != null) {
            EdwardsKeyImport.publicAttributes(key, t);
        } else {
            throw new TokenException(TokenException.Kind.REJECTED,
                    "only RSA, EC, Ed25519 and X25519 public keys can be imported");
        }
        return t.toArray(CK_ATTRIBUTE[]::new);
    }

    /** The DER named-curve OID of an EC public key (explicit parameters are refused). */
    private static byte[] curve(PublicKey key) throws TokenException {
        try {
            SubjectPublicKeyInfo info = SubjectPublicKeyInfo.getInstance(key.getEncoded());
            return ASN1ObjectIdentifier.getInstance(info.getAlgorithm().getParameters())
                    .getEncoded();
        } catch (java.io.IOException | IllegalArgumentException e) {
            throw new TokenException(TokenException.Kind.REJECTED,
                    "unsupported EC curve (only named curves)", e);
        }
    }

    private static CK_ATTRIBUTE secret(long type, java.math.BigInteger value,
                                       List<byte[]> secrets) {
        byte[] bytes = value.toByteArray();
        if (bytes.length > 1 && bytes[0] == 0) {
            byte[] unsigned = Arrays.copyOfRange(bytes, 1, bytes.length);
            Arrays.fill(bytes, (byte) 0);
            bytes = unsigned;
        }
        secrets.add(bytes);
        return new CK_ATTRIBUTE(type, bytes);
    }

    private static CK_ATTRIBUTE[] dataTemplate(String label, byte[] value) {
        return new CK_ATTRIBUTE[] {
            new CK_ATTRIBUTE(CKA_CLASS, CKO_DATA), new CK_ATTRIBUTE(CKA_TOKEN, true),
            new CK_ATTRIBUTE(CKA_PRIVATE, true), new CK_ATTRIBUTE(CKA_MODIFIABLE, true),
            new CK_ATTRIBUTE(CKA_APPLICATION,
                    TokenInventory.APPLICATION.getBytes(StandardCharsets.UTF_8)),
            new CK_ATTRIBUTE(CKA_LABEL, label.toCharArray()), new CK_ATTRIBUTE(CKA_VALUE, value)};
    }

    static byte[] bytes(String hexId) {
        return HexFormat.of().parseHex(hexId);
    }
}
