package org.smimed.daemon.bench;

import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import javax.crypto.Cipher;
import org.smimed.daemon.keys.KeyVersion;
import org.smimed.daemon.token.KeyAlgorithm;

/**
 * The raw token speed that the daemon is compared with: the same key and the same
 * private-key operation, in-process through SunPKCS11, with no gRPC, CMS or TLS around it.
 */
final class TokenBaseline {
    /** About the size of the DER signed attributes the daemon signs. */
    private static final int SIGNED_ATTRIBUTES_BYTES = 300;

    private final Provider token;
    private final KeyVersion key;
    private final byte[] encryptedKey;

    TokenBaseline(Provider token, KeyVersion key) throws GeneralSecurityException {
        this.token = token;
        this.key = key;
        this.encryptedKey = key.algorithm().family() == KeyAlgorithm.Family.RSA
                ? encryptCek(key.certificate().getPublicKey()) : null;
    }

    /** A fresh operation for one worker thread. */
    Operation operation(Workload.Kind kind) {
        return kind == Workload.Kind.SIGN ? sign() : decrypt();
    }

    private Operation sign() {
        byte[] data = new byte[SIGNED_ATTRIBUTES_BYTES];
        new SecureRandom().nextBytes(data);
        String name = key.algorithm().family() == KeyAlgorithm.Family.RSA
                ? "SHA256withRSA" : "SHA256withECDSA";
        PrivateKey privateKey = key.privateKey();
        return () -> {
            Signature s = Signature.getInstance(name, token);
            s.initSign(privateKey);
            s.update(data);
            s.sign();
        };
    }

    private Operation decrypt() {
        if (encryptedKey == null) {
            throw new IllegalArgumentException("decrypt baseline needs an RSA key");
        }
        PrivateKey privateKey = key.privateKey();
        return () -> {
            Cipher c = Cipher.getInstance("RSA/ECB/PKCS1Padding", token);
            c.init(Cipher.DECRYPT_MODE, privateKey);
            c.doFinal(encryptedKey);
        };
    }

    private static byte[] encryptCek(PublicKey publicKey) throws GeneralSecurityException {
        Cipher c = Cipher.getInstance("RSA/ECB/PKCS1Padding");
        c.init(Cipher.ENCRYPT_MODE, publicKey);
        return c.doFinal(new byte[32]);
    }
}
