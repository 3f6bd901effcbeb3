package org.smimed.daemon.token;

import static sun.security.pkcs11.wrapper.PKCS11Constants.*;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import java.util.Arrays;
import java.util.List;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import sun.security.pkcs11.wrapper.CK_ATTRIBUTE;
import sun.security.pkcs11.wrapper.CK_ECDH1_DERIVE_PARAMS;
import sun.security.pkcs11.wrapper.CK_MECHANISM;
import sun.security.pkcs11.wrapper.PKCS11;
import sun.security.pkcs11.wrapper.PKCS11Exception;

/**
 * Ed25519 signatures ({@code CKM_EDDSA}) and X25519 agreements ({@code CKM_ECDH1_DERIVE} with
 * {@code CKD_NULL}) with keys in the token, through the PKCS#11 wrapper because SunPKCS11 has
 * neither.
 *
 * <p>Security guarantees: the private key never leaves the token. The X25519 shared secret is
 * derived into a session-only secret object, read once for the caller's KDF and destroyed at
 * once; it is never stored or logged.
 */
public final class EdwardsOperations {
    /** PKCS#11 3.0 values the JDK 17 wrapper does not name. */
    static final long CKK_EC_EDWARDS = 0x40L;
    static final long CKK_EC_MONTGOMERY = 0x41L;
    static final long CKM_EC_EDWARDS_KEY_PAIR_GEN = 0x1055L;
    static final long CKM_EDDSA = 0x1057L;
    private static final int X25519_BYTES = 32;

    private final Pkcs11Token token;

    /** The RFC 8410 key of the DER OID in CKA_EC_PARAMS, or null for another curve. */
    static KeyAlgorithm algorithmOf(byte[] ecParams) {
        for (KeyAlgorithm a : List.of(KeyAlgorithm.ED25519, KeyAlgorithm.X25519)) {
            if (Arrays.equals(ecParams, parameters(a))) {
                return a;
            }
        }
        return null;
    }

    /** CKA_EC_PARAMS of an Ed25519 or X25519 key: the DER of its RFC 8410 OID. */
    static byte[] parameters(KeyAlgorithm algorithm) {
        try {
            return new ASN1ObjectIdentifier(algorithm.edwardsOid()).getEncoded();
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode an OID", e);
        }
    }

    public EdwardsOperations(Pkcs11Token token) {
        this.token = token;
    }

    /** The pure Ed25519 signature (RFC 8032) of {@code message} by the key {@code key}. */
    public byte[] sign(TokenKeyReference key, byte[] message) throws TokenException {
        require(key, KeyAlgorithm.ED25519);
        return token.inSession((module, session) -> {
            module.C_SignInit(session, new CK_MECHANISM(CKM_EDDSA), handle(module, session, key));
            return module.C_Sign(session, message);
        });
    }

    /**
     * The X25519 shared secret of {@code key} and the peer's 32-byte public value (RFC 7748).
     * The caller must wipe the result after its KDF.
     */
    public byte[] agree(TokenKeyReference key, byte[] peerPublic) throws TokenException {
        require(key, KeyAlgorithm.X25519);
        if (peerPublic.length != X25519_BYTES) {
            throw new TokenException(TokenException.Kind.REJECTED,
                    "an X25519 public value is 32 bytes");
        }
        CK_ATTRIBUTE[] template = {
            new CK_ATTRIBUTE(CKA_CLASS, CKO_SECRET_KEY),
            new CK_ATTRIBUTE(CKA_KEY_TYPE, CKK_GENERIC_SECRET),
            new CK_ATTRIBUTE(CKA_TOKEN, false),
            // Readable on purpose: the RFC 8418 HKDF runs in the daemon (SoftHSM2 has only
            // CKD_NULL); the object lives for the length of this call.
            new CK_ATTRIBUTE(CKA_SENSITIVE, false),
            new CK_ATTRIBUTE(CKA_EXTRACTABLE, true),
            new CK_ATTRIBUTE(CKA_VALUE_LEN, X25519_BYTES)};
        return token.inSession((module, session) -> {
            long secret = module.C_DeriveKey(session, new CK_MECHANISM(CKM_ECDH1_DERIVE,
                    new CK_ECDH1_DERIVE_PARAMS(CKD_NULL, null, peerPublic.clone())),
                    handle(module, session, key), template);
            try {
                CK_ATTRIBUTE[] value = {new CK_ATTRIBUTE(CKA_VALUE)};
                module.C_GetAttributeValue(session, secret, value);
                byte[] read = value[0].getByteArray();
                byte[] z = read == null ? new byte[0] : read.clone();
                if (read != null) {
                    Arrays.fill(read, (byte) 0);
                }
                return z;
            } finally {
                module.C_DestroyObject(session, secret);
            }
        });
    }

    /** The JCA public key of an RFC 8410 key from its CKA_EC_POINT (DER-wrapped or raw). */
    static PublicKey publicKey(KeyAlgorithm algorithm, byte[] ecPoint)
            throws GeneralSecurityException, IOException {
        byte[] raw = ecPoint.length == X25519_BYTES ? ecPoint
                : ASN1OctetString.getInstance(ecPoint).getOctets();
        SubjectPublicKeyInfo info = new SubjectPublicKeyInfo(new AlgorithmIdentifier(
                new ASN1ObjectIdentifier(algorithm.edwardsOid())), raw);
        return KeyFactory.getInstance(algorithm == KeyAlgorithm.ED25519 ? "Ed25519" : "X25519")
                .generatePublic(new X509EncodedKeySpec(info.getEncoded()));
    }

    private static void require(TokenKeyReference key, KeyAlgorithm algorithm)
            throws TokenException {
        if (key.algorithm() != algorithm) {
            throw new TokenException(TokenException.Kind.REJECTED,
                    key.algorithm() + " key used for " + algorithm);
        }
    }

    private static long handle(PKCS11 module, long session, TokenKeyReference key)
            throws PKCS11Exception, TokenException {
        long[] keys = Pkcs11Search.all(module, session, new CK_ATTRIBUTE[] {
            new CK_ATTRIBUTE(CKA_CLASS, CKO_PRIVATE_KEY),
            new CK_ATTRIBUTE(CKA_ID, KeyObjects.bytes(key.keyId()))});
        if (keys.length != 1) {
            throw new TokenException(TokenException.Kind.REJECTED,
                    keys.length + " private keys with the version's CKA_ID");
        }
        return keys[0];
    }
}
