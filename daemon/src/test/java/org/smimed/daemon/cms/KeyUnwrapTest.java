package org.smimed.daemon.cms;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.Key;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.asn1.DERNull;
import org.bouncycastle.asn1.nist.NISTObjectIdentifiers;
import org.bouncycastle.asn1.sec.SECObjectIdentifiers;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.cms.CMSException;
import org.junit.jupiter.api.Test;

/**
 * The checks around every key agreement, with the token's half given as a value: a token that
 * answers a low-order point with an all-zero Z (SoftHSM2 refuses instead, so only this test can
 * show the daemon's own check) must not let the sender's content key through, and a key that
 * does not unwrap is refused, not replaced.
 */
class KeyUnwrapTest {
    private static final KeyUnwrap.Wrap AES256_WRAP = new KeyUnwrap.Wrap(
            new AlgorithmIdentifier(NISTObjectIdentifiers.id_aes256_wrap), 32);
    private static final byte[] CONTENT_KEY = new byte[32];

    static {
        Arrays.fill(CONTENT_KEY, (byte) 0x5a);
    }

    @Test
    void aKeyWrappedUnderTheKekOfZ_isRecovered() throws Exception {
        byte[] z = new byte[32];
        z[31] = 9;

        assertThat(recover(z).getEncoded()).isEqualTo(CONTENT_KEY);
    }

    @Test
    void anAllZeroZ_isRefused_notUnwrapped() {
        assertThatThrownBy(() -> recover(new byte[32])).isInstanceOf(CMSException.class)
                .hasMessageStartingWith("all-zero shared secret");
    }

    @Test
    void aKeyWrappedUnderAnotherKek_isRefused() throws Exception {
        byte[] z = new byte[32];
        z[31] = 9;
        byte[] encryptedKey = wrapped(z);
        z[0] = 1;

        assertThatThrownBy(() -> recover(z, encryptedKey)).isInstanceOf(CMSException.class)
                .hasMessageStartingWith("key unwrap failed");
    }

    /** A token that is gone is not a refusal: it goes up for the daemon to heal and retry. */
    @Test
    void aTokenThatIsGone_isSignalledAsGone_notRefused() {
        assertThatThrownBy(() -> KeyUnwrap.recover(AES256_WRAP, null, new byte[40],
                ContentCipher.AES256_GCM, () -> {
                    throw new java.security.ProviderException(
                            new sun.security.pkcs11.wrapper.PKCS11Exception(0xB3, // session gone
                                    "CKR_SESSION_HANDLE_INVALID"));
                }, (secret, sharedInfo, kek) -> { }))
                .isInstanceOf(TokenUnavailableSignal.class);
    }

    @Test
    void aTokenThatRefusesTheAgreement_isRefusedSayingSo() {
        assertThatThrownBy(() -> KeyUnwrap.recover(AES256_WRAP, null, new byte[40],
                ContentCipher.AES256_GCM, () -> {
                    throw new java.security.InvalidKeyException("CKR_ARGUMENTS_BAD");
                }, (secret, sharedInfo, kek) -> { }))
                .isInstanceOf(CMSException.class)
                .hasMessage("the token refused the key agreement");
    }

    /** Found by an interop trial: the daemon log said NullPointerException. */
    @Test
    void aKeyAgreementWithoutKeyWrapParameters_isRefusedByName() {
        AlgorithmIdentifier bare = new AlgorithmIdentifier(
                SECObjectIdentifiers.dhSinglePass_stdDH_sha256kdf_scheme);
        AlgorithmIdentifier notWrap = new AlgorithmIdentifier(
                SECObjectIdentifiers.dhSinglePass_stdDH_sha256kdf_scheme, DERNull.INSTANCE);

        assertThatThrownBy(() -> KeyUnwrap.wrap(bare)).isInstanceOf(CMSException.class)
                .hasMessageEndingWith("names no key-wrap algorithm (its parameters are absent)");
        assertThatThrownBy(() -> KeyUnwrap.wrap(notWrap)).isInstanceOf(CMSException.class)
                .hasMessageEndingWith("its parameters are not a key-wrap algorithm identifier");
    }

    @Test
    void allZero_looksAtEveryByte() {
        for (int i = 0; i < 32; i++) {
            byte[] z = new byte[32];
            z[i] = (byte) 0x80;
            assertThat(KeyUnwrap.allZero(z)).as("byte %d", i).isFalse();
        }
        assertThat(KeyUnwrap.allZero(new byte[32])).isTrue();
    }

    /**
     * Wraps {@link #CONTENT_KEY} under the KEK a trivial KDF makes of Z (Z itself), then asks
     * {@link KeyUnwrap#recover} for it with the token answering Z.
     */
    private static Key recover(byte[] z) throws Exception {
        return recover(z, wrapped(z));
    }

    private static Key recover(byte[] z, byte[] encryptedKey) throws Exception {
        return KeyUnwrap.recover(AES256_WRAP, null, encryptedKey, ContentCipher.AES256_GCM,
                z::clone,
                (secret, sharedInfo, kek) -> System.arraycopy(secret, 0, kek, 0, kek.length));
    }

    private static byte[] wrapped(byte[] z) throws Exception {
        Cipher wrap = Cipher.getInstance("AESWrap");
        wrap.init(Cipher.WRAP_MODE, new SecretKeySpec(z.clone(), "AES"));
        return wrap.wrap(new SecretKeySpec(CONTENT_KEY, "AES"));
    }
}
