package org.smimed.daemon.cms;

import java.security.Key;
import java.util.Set;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cms.CMSException;
import org.bouncycastle.cms.Recipient;
import org.bouncycastle.cms.RecipientOperator;
import org.bouncycastle.cms.jcajce.JceKeyAgreeAuthEnvelopedRecipient;
import org.bouncycastle.cms.jcajce.JceKeyAgreeEnvelopedRecipient;
import org.smimed.daemon.keys.KeyVersion;
import org.smimed.daemon.token.TokenKeyReference;

/**
 * Bouncy Castle KeyAgreeRecipients for X25519 keys in the token: the key agreement and KDF are
 * {@link X25519KeyAgreement}'s, content decryption as for every other recipient (AES in the
 * JDK, see {@link TokenRecipients}), with the same allow-list and minimum tag size.
 */
final class X25519Recipients {
    private X25519Recipients() {
    }

    static Recipient of(KeyVersion key, ContentCipher cipher, X25519KeyAgreement x25519,
                        java.security.Provider contentProvider,
                        java.security.Provider aesProvider,
                        Set<ASN1ObjectIdentifier> allowed, int minimumTagBytes) {
        TokenKeyReference reference = (TokenKeyReference) key.privateKey();
        // The token key has no encoding: name its algorithm from the certificate.
        AlgorithmIdentifier keyAlgorithm = SubjectPublicKeyInfo.getInstance(
                key.certificate().getPublicKey().getEncoded()).getAlgorithm();
        if (cipher.authenticated()) {
            var r = new JceKeyAgreeAuthEnvelopedRecipient(reference) {
                @Override
                protected Key extractSecretKey(AlgorithmIdentifier keyAlg,
                                               AlgorithmIdentifier contentAlg,
                                               SubjectPublicKeyInfo sender, ASN1OctetString ukm,
                                               byte[] encrypted) throws CMSException {
                    return x25519.recover(reference, keyAlg, cipher, sender, ukm, encrypted);
                }

                @Override
                public RecipientOperator getRecipientOperator(AlgorithmIdentifier keyAlg,
                        AlgorithmIdentifier contentAlg, SubjectPublicKeyInfo sender,
                        ASN1OctetString ukm, byte[] encrypted) throws CMSException {
                    if (!StreamingAead.handles(contentAlg)) {
                        return super.getRecipientOperator(keyAlg, contentAlg, sender, ukm,
                                encrypted);
                    }
                    return StreamingAead.operator(contentAlg, extractSecretKey(keyAlg,
                            contentAlg, sender, ukm, encrypted), allowed, aesProvider);
                }
            };
            r.setPrivateKeyAlgorithmIdentifier(keyAlgorithm).setContentProvider(contentProvider)
                    .setAllowedContentAlgorithms(allowed).setMinimumTagSize(minimumTagBytes);
            return r;
        }
        var r = new JceKeyAgreeEnvelopedRecipient(reference) {
            @Override
            protected Key extractSecretKey(AlgorithmIdentifier keyAlg,
                                           AlgorithmIdentifier contentAlg,
                                           SubjectPublicKeyInfo sender, ASN1OctetString ukm,
                                           byte[] encrypted) throws CMSException {
                return x25519.recover(reference, keyAlg, cipher, sender, ukm, encrypted);
            }
        };
        r.setPrivateKeyAlgorithmIdentifier(keyAlgorithm).setContentProvider(aesProvider)
                .setAllowedContentAlgorithms(allowed);
        return r;
    }
}
