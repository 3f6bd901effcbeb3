package org.smimed.daemon.token;

import static sun.security.pkcs11.wrapper.PKCS11Constants.*;

import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAPublicKey;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import sun.security.pkcs11.wrapper.CK_ATTRIBUTE;
import sun.security.pkcs11.wrapper.PKCS11;
import sun.security.pkcs11.wrapper.PKCS11Exception;

/**
 * Walks the token's objects through PKCS#11 ({@code C_FindObjects}), so that keys without a
 * certificate (which the SunPKCS11 key store cannot see) are found too.
 *
 * <p>Security guarantee: reads only public attributes (class, CKA_ID, CKA_LABEL, key type,
 * usage flags, CKA_MODIFIABLE, CKA_COPYABLE, an RSA key's CKA_MODULUS), certificate values and the
 * daemon's own data objects; never key material.
 */
public final class TokenInventory {
    /** The CKA_APPLICATION of every data object the daemon writes. */
    public static final String APPLICATION = "smimed";

    private final Pkcs11Token token;

    public TokenInventory(Pkcs11Token token) {
        this.token = token;
    }

    /**
     * A private key: its CKA_ID, label, family, whether it may sign and decrypt, whether
     * those usages are fixed (neither CKA_MODIFIABLE nor CKA_COPYABLE; keys made before smimed
     * set both false are not), and whether the token keeps its value in (CKA_SENSITIVE true,
     * CKA_EXTRACTABLE false; smimed makes and imports no other kind, but a key placed by hand
     * under a version's label may be one).
     */
    public record KeyObject(String id, String label, KeyAlgorithm.Family family, boolean signs,
                            boolean decrypts, boolean usagesFixed, boolean staysInToken,
                            Optional<BigInteger> modulus) {
        /**
         * Whether this is the private key of {@code certificate}, as far as the token shows:
         * an RSA key's modulus is public even for a sensitive key; an EC private key object
         * holds no public point (PKCS#11): EC signing keys are checked by a signature when
         * served ({@link TokenKeyHandles#signsAs}).
         */
        public boolean isKeyOf(X509Certificate certificate) {
            return modulus.isEmpty() || !(certificate.getPublicKey() instanceof RSAPublicKey rsa)
                    || rsa.getModulus().equals(modulus.get());
        }
    }

    /** A public key object: its CKA_ID and label. */
    public record PublicKeyObject(String id, String label) {}

    /** A certificate object and its parsed value. */
    public record CertificateObject(String id, String label, X509Certificate certificate) {}

    /** One of the daemon's data objects (data objects have no CKA_ID). */
    public record DataObject(String label, byte[] value) {}

    /**
     * Everything found. Ids are CKA_ID in lower-case hex.
     *
     * @param publicKeys public key objects
     * @param anonymousData data objects with neither label nor application: what a record
     *                      write killed inside C_CreateObject leaves on SoftHSM2
     * @param problems objects that could not be read
     */
    public record Snapshot(List<KeyObject> keys, List<PublicKeyObject> publicKeys,
                           List<CertificateObject> certificates, List<DataObject> data,
                           int anonymousData, List<String> problems) {
        /** The ids of the public key objects. */
        public List<String> publicKeyIds() {
            return publicKeys.stream().map(PublicKeyObject::id).toList();
        }
    }

    /**
     * Reads every private key, public key, certificate and smimed data object. Walks again
     * when an object vanished between C_FindObjects and reading it (a replica replaced a state
     * record), so the snapshot is the token as it is now, never a half-read one.
     */
    public Snapshot read() throws TokenException {
        return token.inSessionAfresh((module, session) -> {
            List<String> problems = new ArrayList<>();
            List<KeyObject> keys = new ArrayList<>();
            for (long handle : find(module, session, CKO_PRIVATE_KEY)) {
                keys.add(key(module, session, handle));
            }
            List<PublicKeyObject> publicKeys = new ArrayList<>();
            for (long handle : find(module, session, CKO_PUBLIC_KEY)) {
                String[] idLabel = idAndLabel(module, session, handle);
                publicKeys.add(new PublicKeyObject(idLabel[0], idLabel[1]));
            }
            List<CertificateObject> certificates = new ArrayList<>();
            for (long handle : find(module, session, CKO_CERTIFICATE)) {
                String[] idLabel = idAndLabel(module, session, handle);
                try {
                    certificates.add(new CertificateObject(idLabel[0], idLabel[1],
                            parse(bytes(module, session, handle, CKA_VALUE))));
                } catch (CertificateException e) {
                    problems.add("certificate '" + idLabel[1] + "': unreadable");
                }
            }
            List<DataObject> data = new ArrayList<>();
            int anonymous = 0;
            for (long handle : find(module, session, CKO_DATA)) {
                String application = application(module, session, handle);
                CK_ATTRIBUTE[] label = {new CK_ATTRIBUTE(CKA_LABEL)};
                module.C_GetAttributeValue(session, handle, label);
                String text = label[0].pValue instanceof char[] chars ? new String(chars) : "";
                if (APPLICATION.equals(application)) {
                    data.add(new DataObject(text, bytes(module, session, handle, CKA_VALUE)));
                } else if (application.isEmpty() && text.isEmpty()) {
                    anonymous++;
                }
            }
            return new Snapshot(keys, publicKeys, certificates, data, anonymous, problems);
        });
    }

    static long[] find(PKCS11 module, long session, long objectClass) throws PKCS11Exception {
        return Pkcs11Search.all(module, session, new CK_ATTRIBUTE[] {
            new CK_ATTRIBUTE(CKA_CLASS, objectClass)});
    }

    private static KeyObject key(PKCS11 module, long session, long handle)
            throws PKCS11Exception {
        String[] idLabel = idAndLabel(module, session, handle);
        CK_ATTRIBUTE[] a = {new CK_ATTRIBUTE(CKA_KEY_TYPE), new CK_ATTRIBUTE(CKA_SIGN),
            new CK_ATTRIBUTE(CKA_DECRYPT), new CK_ATTRIBUTE(CKA_DERIVE),
            new CK_ATTRIBUTE(CKA_MODIFIABLE), new CK_ATTRIBUTE(CKA_SENSITIVE),
            new CK_ATTRIBUTE(CKA_EXTRACTABLE)};
        module.C_GetAttributeValue(session, handle, a);
        KeyAlgorithm.Family family = a[0].getLong() == CKK_RSA ? KeyAlgorithm.Family.RSA
                : a[0].getLong() == CKK_EC ? KeyAlgorithm.Family.EC : null;
        Optional<BigInteger> modulus = Optional.empty();
        if (family == KeyAlgorithm.Family.RSA) {
            // Asked alone: an EC key would fail the whole call with ATTRIBUTE_TYPE_INVALID.
            byte[] value = bytes(module, session, handle, CKA_MODULUS);
            modulus = value == null ? Optional.empty() : Optional.of(new BigInteger(1, value));
        }
        return new KeyObject(idLabel[0], idLabel[1], family, a[1].getBoolean(),
                a[2].getBoolean() || a[3].getBoolean(),
                !a[4].getBoolean() && !TokenObjects.copyable(module, session, handle),
                a[5].getBoolean() && !a[6].getBoolean(), modulus);
    }

    static String[] idAndLabel(PKCS11 module, long session, long handle) throws PKCS11Exception {
        CK_ATTRIBUTE[] a = {new CK_ATTRIBUTE(CKA_ID), new CK_ATTRIBUTE(CKA_LABEL)};
        module.C_GetAttributeValue(session, handle, a);
        // An empty attribute comes back from the JDK wrapper as neither byte[] nor char[]
        // (getByteArray throws): other applications' keys on a shared token often have no
        // CKA_ID or CKA_LABEL, and must read as "" rather than fail the whole walk.
        return new String[] {a[0].pValue instanceof byte[] id ? HexFormat.of().formatHex(id) : "",
            a[1].pValue instanceof char[] label ? new String(label) : ""};
    }

    /** CKA_APPLICATION; the JDK wrapper returns it as characters or bytes by release. */
    private static String application(PKCS11 module, long session, long handle)
            throws PKCS11Exception {
        CK_ATTRIBUTE[] a = {new CK_ATTRIBUTE(CKA_APPLICATION)};
        module.C_GetAttributeValue(session, handle, a);
        if (a[0].pValue instanceof char[] chars) {
            return new String(chars);
        }
        if (a[0].pValue instanceof byte[] bytes) {
            return new String(bytes, java.nio.charset.StandardCharsets.UTF_8);
        }
        return "";
    }

    private static byte[] bytes(PKCS11 module, long session, long handle, long type)
            throws PKCS11Exception {
        CK_ATTRIBUTE[] a = {new CK_ATTRIBUTE(type)};
        module.C_GetAttributeValue(session, handle, a);
        return a[0].pValue instanceof byte[] value ? value : null;
    }

    private static X509Certificate parse(byte[] der) throws CertificateException {
        if (der == null) {
            throw new CertificateException("no value");
        }
        return (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(der));
    }
}
