package org.smimed.daemon.cms;

import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.crypto.InvalidCipherTextException;
import org.bouncycastle.crypto.engines.AESEngine;
import org.bouncycastle.crypto.engines.RFC3394WrapEngine;
import org.bouncycastle.crypto.params.KeyParameter;

/**
 * The last step of every key-agreement recipient (ECDH and X25519): AES key unwrap (RFC 3394)
 * of the content-encryption key with the derived key-encryption key. A key of the wrong length
 * is replaced by {@code substitute}, so that failure surfaces at content decryption like every
 * other one.
 */
final class KeyUnwrap {
    private KeyUnwrap() {
    }

    static SecretKeySpec unwrap(byte[] kek, byte[] encryptedKey, ContentCipher cipher,
                                byte[] substitute) throws InvalidCipherTextException {
        RFC3394WrapEngine unwrap = new RFC3394WrapEngine(AESEngine.newInstance());
        unwrap.init(false, new KeyParameter(kek));
        byte[] cek = unwrap.unwrap(encryptedKey, 0, encryptedKey.length);
        return new SecretKeySpec(cek.length == cipher.keyBytes() ? cek : substitute,
                cipher.keyAlgorithm());
    }
}
