package org.smimed.daemon.cms;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.nist.NISTObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;

/**
 * Content-encryption algorithms the daemon can decrypt. Which of them it will decrypt is
 * configured ({@code decryption.contentAlgorithms}); {@link #defaults()} leaves out the legacy
 * ones. Anything not listed here (RC2, DES, ...) is always refused.
 */
public enum ContentCipher {
    AES128_CBC("aes128-cbc", NISTObjectIdentifiers.id_aes128_CBC, "AES", 16, false, false),
    AES192_CBC("aes192-cbc", NISTObjectIdentifiers.id_aes192_CBC, "AES", 24, false, false),
    AES256_CBC("aes256-cbc", NISTObjectIdentifiers.id_aes256_CBC, "AES", 32, false, false),
    AES128_GCM("aes128-gcm", NISTObjectIdentifiers.id_aes128_GCM, "AES", 16, true, false),
    AES192_GCM("aes192-gcm", NISTObjectIdentifiers.id_aes192_GCM, "AES", 24, true, false),
    AES256_GCM("aes256-gcm", NISTObjectIdentifiers.id_aes256_GCM, "AES", 32, true, false),
    /** RFC 8103, AuthEnvelopedData. */
    CHACHA20_POLY1305("chacha20-poly1305", PKCSObjectIdentifiers.id_alg_AEADChaCha20Poly1305,
            "ChaCha20", 32, true, false),
    /** Triple DES: decrypt-only, for archived mail, and only when configured. */
    DES_EDE3_CBC("des-ede3-cbc", PKCSObjectIdentifiers.des_EDE3_CBC, "DESede", 24, false, true);

    private final String configName;
    private final ASN1ObjectIdentifier oid;
    private final String keyAlgorithm;
    private final int keyBytes;
    private final boolean authenticated;
    private final boolean legacy;

    ContentCipher(String configName, ASN1ObjectIdentifier oid, String keyAlgorithm, int keyBytes,
                  boolean authenticated, boolean legacy) {
        this.configName = configName;
        this.oid = oid;
        this.keyAlgorithm = keyAlgorithm;
        this.keyBytes = keyBytes;
        this.authenticated = authenticated;
        this.legacy = legacy;
    }

    public ASN1ObjectIdentifier oid() {
        return oid;
    }

    /** The name used in the configuration file, e.g. {@code aes256-gcm}. */
    public String configName() {
        return configName;
    }

    /** The JCA algorithm of the content-encryption key. */
    String keyAlgorithm() {
        return keyAlgorithm;
    }

    /** Length of the content-encryption key; a key transport that yields another length failed. */
    public int keyBytes() {
        return keyBytes;
    }

    /** Whether this is an AEAD cipher for AuthEnvelopedData (RFC 5083). */
    public boolean authenticated() {
        return authenticated;
    }

    /** Whether this is a legacy algorithm kept for archived mail only. */
    public boolean legacy() {
        return legacy;
    }

    /** Every non-legacy algorithm: what the daemon decrypts unless configured otherwise. */
    public static Set<ContentCipher> defaults() {
        EnumSet<ContentCipher> all = EnumSet.allOf(ContentCipher.class);
        all.removeIf(ContentCipher::legacy);
        return all;
    }

    public static Optional<ContentCipher> of(ASN1ObjectIdentifier oid) {
        return Arrays.stream(values()).filter(c -> c.oid.equals(oid)).findFirst();
    }

    /** The algorithm named {@code name} in the configuration file. */
    public static Optional<ContentCipher> byConfigName(String name) {
        return Arrays.stream(values()).filter(c -> c.configName.equals(name)).findFirst();
    }
}
