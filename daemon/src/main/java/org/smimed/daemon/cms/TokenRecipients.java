package org.smimed.daemon.cms;

import java.security.Key;
import java.security.PrivateKey;
import java.security.Provider;
import java.util.Set;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.cms.CMSException;
import org.bouncycastle.cms.Recipient;
import org.bouncycastle.cms.jcajce.JceKeyTransAuthEnvelopedRecipient;
import org.bouncycastle.cms.jcajce.JceKeyTransEnvelopedRecipient;

/**
 * Bouncy Castle recipients whose key-transport step runs through {@link RsaKeyTransport} (in
 * the token, with the RFC 3218 countermeasure), while content decryption runs in Bouncy Castle.
 * Bouncy Castle's own allow-list and minimum GCM tag size stay in force.
 */
final class TokenRecipients {
    /** RFC 5084 allows 12 to 16 byte tags; shorter tags make forgery cheap. */
    private static final int MINIMUM_TAG_BYTES = 12;

    private final RsaKeyTransport transport;
    private final Provider contentProvider;
    private final Set<ASN1ObjectIdentifier> allowed;

    TokenRecipients(RsaKeyTransport transport, Provider contentProvider,
                    Set<ASN1ObjectIdentifier> allowed) {
        this.transport = transport;
        this.contentProvider = contentProvider;
        this.allowed = Set.copyOf(allowed);
    }

    Recipient forContent(PrivateKey key, ContentCipher cipher) {
        if (cipher.authenticated()) {
            JceKeyTransAuthEnvelopedRecipient r = new JceKeyTransAuthEnvelopedRecipient(key) {
                @Override
                protected Key extractSecretKey(AlgorithmIdentifier keyAlg,
                                               AlgorithmIdentifier contentAlg, byte[] encrypted)
                        throws CMSException {
                    return transport.recover(key, contentAlg, encrypted);
                }
            };
            r.setContentProvider(contentProvider).setAllowedContentAlgorithms(allowed)
                    .setMinimumTagSize(MINIMUM_TAG_BYTES);
            return r;
        }
        JceKeyTransEnvelopedRecipient r = new JceKeyTransEnvelopedRecipient(key) {
            @Override
            protected Key extractSecretKey(AlgorithmIdentifier keyAlg,
                                           AlgorithmIdentifier contentAlg, byte[] encrypted)
                    throws CMSException {
                return transport.recover(key, contentAlg, encrypted);
            }
        };
        r.setContentProvider(contentProvider).setAllowedContentAlgorithms(allowed);
        return r;
    }
}
