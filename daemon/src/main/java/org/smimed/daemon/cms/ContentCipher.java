package org.smimed.daemon.cms;

import java.util.Arrays;
import java.util.Optional;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.nist.NISTObjectIdentifiers;

/** Content-encryption algorithms the daemon decrypts. Anything else is refused. */
public enum ContentCipher {
    AES128_CBC(NISTObjectIdentifiers.id_aes128_CBC, 16, false),
    AES192_CBC(NISTObjectIdentifiers.id_aes192_CBC, 24, false),
    AES256_CBC(NISTObjectIdentifiers.id_aes256_CBC, 32, false),
    AES128_GCM(NISTObjectIdentifiers.id_aes128_GCM, 16, true),
    AES192_GCM(NISTObjectIdentifiers.id_aes192_GCM, 24, true),
    AES256_GCM(NISTObjectIdentifiers.id_aes256_GCM, 32, true);

    private final ASN1ObjectIdentifier oid;
    private final int keyBytes;
    private final boolean authenticated;

    ContentCipher(ASN1ObjectIdentifier oid, int keyBytes, boolean authenticated) {
        this.oid = oid;
        this.keyBytes = keyBytes;
        this.authenticated = authenticated;
    }

    public ASN1ObjectIdentifier oid() {
        return oid;
    }

    /** Length of the content-encryption key; a key transport that yields another length failed. */
    public int keyBytes() {
        return keyBytes;
    }

    /** Whether this is an AEAD cipher for AuthEnvelopedData (RFC 5083). */
    public boolean authenticated() {
        return authenticated;
    }

    public static Optional<ContentCipher> of(ASN1ObjectIdentifier oid) {
        return Arrays.stream(values()).filter(c -> c.oid.equals(oid)).findFirst();
    }
}
