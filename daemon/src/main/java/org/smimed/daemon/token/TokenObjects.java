package org.smimed.daemon.token;

import static sun.security.pkcs11.wrapper.PKCS11Constants.*;

import java.io.IOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.security.spec.RSAPublicKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import sun.security.pkcs11.wrapper.CK_ATTRIBUTE;
import sun.security.pkcs11.wrapper.CK_MECHANISM;
import sun.security.pkcs11.wrapper.PKCS11;
import sun.security.pkcs11.wrapper.PKCS11Exception;

/**
 * Creates and inspects token objects directly through PKCS#11, for what the JCA provider cannot
 * express: a key pair generated with an explicit template and label, a certificate object
 * without a key-store entry, and the protection attributes of a private key.
 *
 * <p>Security guarantee: every private key made here has CKA_TOKEN, CKA_PRIVATE and
 * CKA_SENSITIVE true, CKA_EXTRACTABLE, CKA_MODIFIABLE and CKA_COPYABLE false
 * ({@link KeyTemplates}), and only the usages asked for, which the user PIN cannot add to.
 */
public final class TokenObjects {
    private static final int ID_BYTES = 16;

    private final Pkcs11Token token;
    private final SecureRandom random;

    public TokenObjects(Pkcs11Token token, SecureRandom random) {
        this.token = token;
        this.random = random;
    }

    /** A key pair just generated in the token. {@code id} is its CKA_ID. */
    public record GeneratedKey(byte[] id, String label, PublicKey publicKey) {}

    /** A fresh random CKA_ID, for objects whose record is written before them. */
    public byte[] newId() {
        byte[] id = new byte[ID_BYTES];
        random.nextBytes(id);
        return id;
    }

    /** Generates a key pair in the token, labelled {@code label}. */
    public GeneratedKey generate(String label, KeyAlgorithm algorithm, KeyUsage usage)
            throws TokenException {
        return generate(newId(), label, algorithm, usage);
    }

    /** Generates a key pair in the token with CKA_ID {@code id}, labelled {@code label}. */
    public GeneratedKey generate(byte[] id, String label, KeyAlgorithm algorithm,
                                 KeyUsage usage) throws TokenException {
        return token.inSession((module, session) -> {
            List<CK_ATTRIBUTE> pub = new ArrayList<>(KeyTemplates.publicKey(id, label));
            List<CK_ATTRIBUTE> priv = new ArrayList<>(KeyTemplates.privateKey(id, label));
            priv.add(new CK_ATTRIBUTE(CKA_SIGN, usage.signs()));
            priv.add(new CK_ATTRIBUTE(CKA_SIGN_RECOVER, false));
            pub.add(new CK_ATTRIBUTE(CKA_VERIFY, usage.signs()));
            pub.add(new CK_ATTRIBUTE(CKA_VERIFY_RECOVER, false));
            pub.add(new CK_ATTRIBUTE(CKA_WRAP, false));
            // Every usage is set explicitly: tokens default the unset ones differently
            // (SoftHSM2 turns on decrypt and unwrap for EC keys).
            boolean rsa = algorithm.family() == KeyAlgorithm.Family.RSA;
            boolean edwards = algorithm.family() == KeyAlgorithm.Family.EDDSA
                    || algorithm.family() == KeyAlgorithm.Family.XDH;
            priv.add(new CK_ATTRIBUTE(CKA_DECRYPT, rsa && usage.decrypts()));
            // RSA key transport is CKM_RSA_X_509 decryption (CKA_DECRYPT); nothing unwraps.
            priv.add(new CK_ATTRIBUTE(CKA_UNWRAP, false));
            priv.add(new CK_ATTRIBUTE(CKA_DERIVE, !rsa && usage.decrypts()));
            long mechanism;
            if (algorithm.family() == KeyAlgorithm.Family.RSA) {
                mechanism = CKM_RSA_PKCS_KEY_PAIR_GEN;
                pub.add(new CK_ATTRIBUTE(CKA_MODULUS_BITS, algorithm.bits()));
                pub.add(new CK_ATTRIBUTE(CKA_PUBLIC_EXPONENT, BigInteger.valueOf(65537)));
                pub.add(new CK_ATTRIBUTE(CKA_ENCRYPT, usage.decrypts()));
            } else if (edwards) {
                // SoftHSM2 makes X25519 keys with the Edwards generator too (CKK_EC_EDWARDS).
                mechanism = EdwardsOperations.CKM_EC_EDWARDS_KEY_PAIR_GEN;
                pub.add(new CK_ATTRIBUTE(CKA_EC_PARAMS, EdwardsOperations.parameters(algorithm)));
            } else {
                mechanism = CKM_EC_KEY_PAIR_GEN;
                pub.add(new CK_ATTRIBUTE(CKA_EC_PARAMS, curveParameters(algorithm)));
            }
            long[] handles = module.C_GenerateKeyPair(session, new CK_MECHANISM(mechanism),
                    pub.toArray(CK_ATTRIBUTE[]::new), priv.toArray(CK_ATTRIBUTE[]::new));
            return new GeneratedKey(id, label, publicKey(module, session, handles[0], algorithm));
        });
    }

    /**
     * Stores {@code certificate} as a token object with CKA_ID {@code id}, so the key store
     * pairs it with the private key of the same id (or, for a CA, makes it available for chain
     * building).
     */
    public void storeCertificate(byte[] id, String label, X509Certificate certificate)
            throws TokenException {
        CK_ATTRIBUTE[] template;
        try {
            template = new CK_ATTRIBUTE[] {
                new CK_ATTRIBUTE(CKA_CLASS, CKO_CERTIFICATE),
                new CK_ATTRIBUTE(CKA_CERTIFICATE_TYPE, CKC_X_509),
                new CK_ATTRIBUTE(CKA_TOKEN, true),
                new CK_ATTRIBUTE(CKA_PRIVATE, false),
                new CK_ATTRIBUTE(CKA_ID, id),
                new CK_ATTRIBUTE(CKA_LABEL, label.toCharArray()),
                new CK_ATTRIBUTE(CKA_SUBJECT, certificate.getSubjectX500Principal().getEncoded()),
                new CK_ATTRIBUTE(CKA_ISSUER, certificate.getIssuerX500Principal().getEncoded()),
                new CK_ATTRIBUTE(CKA_SERIAL_NUMBER,
                        new ASN1Integer(certificate.getSerialNumber()).getEncoded()),
                new CK_ATTRIBUTE(CKA_VALUE, certificate.getEncoded()),
            };
        } catch (CertificateEncodingException | IOException e) {
            throw new TokenException(TokenException.Kind.REJECTED,
                    "cannot encode certificate " + certificate.getSubjectX500Principal(), e);
        }
        token.inSession((module, session) -> module.C_CreateObject(session, template));
    }

    /** Whether a private key labelled {@code label} exists on the token. */
    public boolean hasPrivateKey(String label) throws TokenException {
        return token.inSession((module, session) ->
                find(module, session, CKO_PRIVATE_KEY, label).length > 0);
    }

    /** Whether a certificate labelled {@code label} exists on the token. */
    public boolean hasCertificate(String label) throws TokenException {
        return token.inSession((module, session) ->
                find(module, session, CKO_CERTIFICATE, label).length > 0);
    }

    /** Reads the protection attributes of the private key labelled {@code label}. */
    public KeyProtection protection(String label) throws TokenException {
        return token.inSessionAfresh((module, session) -> {
            long[] found = find(module, session, CKO_PRIVATE_KEY, label);
            if (found.length != 1) {
                throw new TokenException(TokenException.Kind.REJECTED, found.length
                        + " private keys labelled '" + label + "'");
            }
            CK_ATTRIBUTE[] flags = {
                new CK_ATTRIBUTE(CKA_TOKEN), new CK_ATTRIBUTE(CKA_PRIVATE),
                new CK_ATTRIBUTE(CKA_SENSITIVE), new CK_ATTRIBUTE(CKA_EXTRACTABLE),
                new CK_ATTRIBUTE(CKA_ALWAYS_SENSITIVE), new CK_ATTRIBUTE(CKA_NEVER_EXTRACTABLE),
                new CK_ATTRIBUTE(CKA_MODIFIABLE), new CK_ATTRIBUTE(CKA_UNWRAP),
                new CK_ATTRIBUTE(CKA_KEY_TYPE),
            };
            module.C_GetAttributeValue(session, found[0], flags);
            return new KeyProtection(flags[0].getBoolean(), flags[1].getBoolean(),
                    flags[2].getBoolean(), flags[3].getBoolean(), flags[4].getBoolean(),
                    flags[5].getBoolean(),
                    secretValueReadable(module, session, found[0], flags[8].getLong()),
                    flags[6].getBoolean(), copyable(module, session, found[0]),
                    flags[7].getBoolean());
        });
    }

    /**
     * CKA_COPYABLE of {@code handle}, read on its own: a token older than PKCS#11 2.40 refuses
     * the attribute type (and then copies anything, so true).
     */
    static boolean copyable(PKCS11 module, long session, long handle) throws PKCS11Exception {
        CK_ATTRIBUTE[] copyable = {new CK_ATTRIBUTE(KeyTemplates.CKA_COPYABLE)};
        try {
            module.C_GetAttributeValue(session, handle, copyable);
        } catch (PKCS11Exception e) {
            if (e.getErrorCode() != TokenErrors.CKR_ATTRIBUTE_TYPE_INVALID) {
                throw e;
            }
            return true;
        }
        // A wrapper that does not know the type hands it back as the raw CK_BBOOL byte.
        return copyable[0].pValue instanceof byte[] raw ? raw.length > 0 && raw[0] != 0
                : copyable[0].getBoolean();
    }

    /**
     * Whether the token hands out the secret part of private key {@code key} of CKA_KEY_TYPE
     * {@code keyType}. Only CKR_ATTRIBUTE_SENSITIVE means "not readable": any other failure
     * (session gone, stale handle, device error) proves nothing about the key, so it is thrown
     * and {@link Pkcs11Token#inSession} turns it into the matching {@link TokenException} kind.
     *
     * <p>The attribute asked for is the one PKCS#11 defines as the secret for that key type
     * (CKA_PRIVATE_EXPONENT for RSA, CKA_VALUE for EC, Edwards and Montgomery keys), so
     * CKR_ATTRIBUTE_TYPE_INVALID is never an honest answer here: it would mean the token keeps
     * the secret under some other name, which is no proof that it refuses to hand it out.
     * A key type without such a known attribute is refused for the same reason.
     */
    static boolean secretValueReadable(PKCS11 module, long session, long key, long keyType)
            throws PKCS11Exception, TokenException {
        long attribute;
        if (keyType == CKK_RSA) {
            attribute = CKA_PRIVATE_EXPONENT;
        } else if (keyType == CKK_EC || keyType == EdwardsOperations.CKK_EC_EDWARDS
                || keyType == EdwardsOperations.CKK_EC_MONTGOMERY) {
            attribute = CKA_VALUE;
        } else {
            throw new TokenException(TokenException.Kind.REJECTED, "cannot tell whether a key"
                    + " of CKA_KEY_TYPE 0x" + Long.toHexString(keyType) + " keeps its secret");
        }
        CK_ATTRIBUTE[] value = {new CK_ATTRIBUTE(attribute)};
        try {
            module.C_GetAttributeValue(session, key, value);
        } catch (PKCS11Exception e) {
            if (e.getErrorCode() != TokenErrors.CKR_ATTRIBUTE_SENSITIVE) {
                throw e;
            }
            return false;
        }
        // A success that carried no bytes would still not be a refusal: count it as readable.
        return true;
    }

    private static long[] find(PKCS11 module, long session, long objectClass, String label)
            throws PKCS11Exception {
        module.C_FindObjectsInit(session, new CK_ATTRIBUTE[] {
            new CK_ATTRIBUTE(CKA_CLASS, objectClass),
            new CK_ATTRIBUTE(CKA_LABEL, label.toCharArray()),
        });
        try {
            return module.C_FindObjects(session, 16);
        } finally {
            module.C_FindObjectsFinal(session);
        }
    }

    private static byte[] curveParameters(KeyAlgorithm algorithm) throws TokenException {
        try {
            return new ASN1ObjectIdentifier(algorithm.curveOid()).getEncoded();
        } catch (IOException e) {
            throw new TokenException(TokenException.Kind.REJECTED, "bad curve " + algorithm, e);
        }
    }

    static PublicKey publicKey(PKCS11 module, long session, long handle,
                               KeyAlgorithm algorithm)
            throws PKCS11Exception, TokenException {
        try {
            if (algorithm.family() == KeyAlgorithm.Family.RSA) {
                CK_ATTRIBUTE[] a = {new CK_ATTRIBUTE(CKA_MODULUS),
                    new CK_ATTRIBUTE(CKA_PUBLIC_EXPONENT)};
                module.C_GetAttributeValue(session, handle, a);
                return KeyFactory.getInstance("RSA").generatePublic(
                        new RSAPublicKeySpec(a[0].getBigInteger(), a[1].getBigInteger()));
            }
            CK_ATTRIBUTE[] a = {new CK_ATTRIBUTE(CKA_EC_POINT)};
            module.C_GetAttributeValue(session, handle, a);
            if (algorithm.family() != KeyAlgorithm.Family.EC) {
                return EdwardsOperations.publicKey(algorithm, a[0].getByteArray());
            }
            // CKA_EC_POINT is the DER OCTET STRING around the uncompressed point.
            byte[] point = ASN1OctetString.getInstance(a[0].getByteArray()).getOctets();
            SubjectPublicKeyInfo info = new SubjectPublicKeyInfo(new AlgorithmIdentifier(
                    X9ObjectIdentifiers.id_ecPublicKey,
                    new ASN1ObjectIdentifier(algorithm.curveOid())), point);
            return KeyFactory.getInstance("EC").generatePublic(
                    new X509EncodedKeySpec(info.getEncoded()));
        } catch (GeneralSecurityException | IOException e) {
            throw new TokenException(TokenException.Kind.REJECTED,
                    "cannot read the generated public key", e);
        }
    }
}
