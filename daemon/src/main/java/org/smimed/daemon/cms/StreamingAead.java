package org.smimed.daemon.cms;

import java.security.Key;
import java.security.Provider;
import java.util.Set;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.cms.CMSException;
import org.bouncycastle.cms.RecipientOperator;

/**
 * The AuthEnvelopedData content decryptors of this package, which stream and accept the
 * authenticated attributes after the content: {@link AesGcmDecryptor} and
 * {@link ChaChaPolyDecryptor}. Every recipient asks here first and leaves anything else
 * (unusual GCM parameters) to Bouncy Castle.
 */
final class StreamingAead {
    private StreamingAead() {
    }

    /** Whether one of this package's decryptors takes {@code algorithm}. */
    static boolean handles(AlgorithmIdentifier algorithm) {
        return AesGcmDecryptor.handles(algorithm) || ChaChaPolyDecryptor.handles(algorithm);
    }

    /**
     * The recipient operator for {@code algorithm} (which {@link #handles}) under the content
     * key {@code key}, with the JDK's ciphers from {@code provider}.
     */
    static RecipientOperator operator(AlgorithmIdentifier algorithm, Key key,
                                      Set<ASN1ObjectIdentifier> allowed, Provider provider)
            throws CMSException {
        return ChaChaPolyDecryptor.handles(algorithm)
                ? ChaChaPolyDecryptor.operator(algorithm, key, allowed, provider)
                : AesGcmDecryptor.operator(algorithm, key, allowed, provider);
    }
}
