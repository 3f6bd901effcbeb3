package org.smimed.daemon.token;

import static sun.security.pkcs11.wrapper.PKCS11Constants.*;

import java.io.IOException;
import java.security.Key;
import java.util.List;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import sun.security.pkcs11.wrapper.CK_ATTRIBUTE;

/**
 * Token templates for importing Ed25519 and X25519 keys (RFC 8410 encodings) as
 * CKK_EC_EDWARDS objects, the key type SoftHSM2 uses for both.
 *
 * <p>Security guarantee: the raw private value is added to {@code secrets} so the caller wipes
 * it once the token has the key; usages are exactly what the algorithm can do.
 */
final class EdwardsKeyImport {
    private EdwardsKeyImport() {
    }

    /** ED25519 or X25519 for an RFC 8410 key, else null. */
    static KeyAlgorithm algorithm(Key key) {
        byte[] encoded = key.getEncoded();
        if (encoded == null) {
            return null;
        }
        String oid;
        try {
            oid = "PKCS#8".equals(key.getFormat())
                    ? PrivateKeyInfo.getInstance(encoded).getPrivateKeyAlgorithm()
                            .getAlgorithm().getId()
                    : SubjectPublicKeyInfo.getInstance(encoded).getAlgorithm().getAlgorithm()
                            .getId();
        } catch (RuntimeException e) {
            return null;
        }
        return oid.equals(KeyAlgorithm.ED25519.edwardsOid()) ? KeyAlgorithm.ED25519
                : oid.equals(KeyAlgorithm.X25519.edwardsOid()) ? KeyAlgorithm.X25519 : null;
    }

    static void privateAttributes(Key key, KeyUsage usage, List<CK_ATTRIBUTE> t,
                                  List<byte[]> secrets) throws TokenException {
        KeyAlgorithm algorithm = algorithm(key);
        byte[] encoded = key.getEncoded();
        secrets.add(encoded);
        byte[] raw;
        try {
            raw = ASN1OctetString.getInstance(PrivateKeyInfo.getInstance(encoded)
                    .parsePrivateKey()).getOctets();
        } catch (IOException | RuntimeException e) {
            throw new TokenException(TokenException.Kind.REJECTED, "bad " + algorithm + " key");
        }
        secrets.add(raw);
        t.removeIf(a -> a.type == CKA_SIGN);
        t.add(new CK_ATTRIBUTE(CKA_SIGN, algorithm == KeyAlgorithm.ED25519 && usage.signs()));
        t.add(new CK_ATTRIBUTE(CKA_KEY_TYPE, EdwardsOperations.CKK_EC_EDWARDS));
        t.add(new CK_ATTRIBUTE(CKA_DECRYPT, false));
        t.add(new CK_ATTRIBUTE(CKA_UNWRAP, false));
        t.add(new CK_ATTRIBUTE(CKA_DERIVE, algorithm == KeyAlgorithm.X25519 && usage.decrypts()));
        t.add(new CK_ATTRIBUTE(CKA_EC_PARAMS, EdwardsOperations.parameters(algorithm)));
        t.add(new CK_ATTRIBUTE(CKA_VALUE, raw));
    }

    static void publicAttributes(Key key, List<CK_ATTRIBUTE> t) throws TokenException {
        KeyAlgorithm algorithm = algorithm(key);
        byte[] raw = SubjectPublicKeyInfo.getInstance(key.getEncoded()).getPublicKeyData()
                .getOctets();
        t.add(new CK_ATTRIBUTE(CKA_KEY_TYPE, EdwardsOperations.CKK_EC_EDWARDS));
        t.add(new CK_ATTRIBUTE(CKA_EC_PARAMS, EdwardsOperations.parameters(algorithm)));
        try {
            t.add(new CK_ATTRIBUTE(CKA_EC_POINT, new DEROctetString(raw).getEncoded()));
        } catch (IOException e) {
            throw new TokenException(TokenException.Kind.REJECTED, "bad " + algorithm + " key", e);
        }
    }
}
