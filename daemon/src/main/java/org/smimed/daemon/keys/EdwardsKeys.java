package org.smimed.daemon.keys;

import java.security.PrivateKey;
import java.security.PublicKey;
import java.util.Arrays;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.crypto.params.X25519PrivateKeyParameters;
import org.smimed.daemon.token.KeyAlgorithm;

/** Recognises software Ed25519/X25519 keys (RFC 8410 encodings) during a PKCS#12 import. */
final class EdwardsKeys {
    private EdwardsKeys() {
    }

    static boolean isEd25519(PrivateKey key) {
        return KeyAlgorithm.ED25519.edwardsOid().equals(oid(key));
    }

    static boolean isX25519(PrivateKey key) {
        return KeyAlgorithm.X25519.edwardsOid().equals(oid(key));
    }

    /** Whether the X25519 private key's public value is the certificate's. */
    static boolean x25519Matches(PrivateKey key, PublicKey certified) {
        byte[] raw = null;
        try {
            raw = ASN1OctetString.getInstance(PrivateKeyInfo.getInstance(key.getEncoded())
                    .parsePrivateKey()).getOctets();
            byte[] implied = new X25519PrivateKeyParameters(raw, 0).generatePublicKey()
                    .getEncoded();
            return Arrays.equals(implied, SubjectPublicKeyInfo.getInstance(
                    certified.getEncoded()).getPublicKeyData().getOctets());
        } catch (java.io.IOException | RuntimeException e) {
            return false;
        } finally {
            if (raw != null) {
                Arrays.fill(raw, (byte) 0);
            }
        }
    }

    private static String oid(PrivateKey key) {
        try {
            return PrivateKeyInfo.getInstance(key.getEncoded()).getPrivateKeyAlgorithm()
                    .getAlgorithm().getId();
        } catch (RuntimeException e) {
            return "";
        }
    }
}
