package org.smimed.daemon.cms;

import java.security.Key;
import java.security.Provider;
import java.security.SecureRandom;
import java.security.Security;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.util.Set;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cms.CMSException;
import org.bouncycastle.cms.Recipient;
import org.bouncycastle.cms.RecipientOperator;
import org.bouncycastle.cms.jcajce.JceKeyAgreeAuthEnvelopedRecipient;
import org.bouncycastle.cms.jcajce.JceKeyAgreeEnvelopedRecipient;
import org.bouncycastle.cms.jcajce.JceKeyTransAuthEnvelopedRecipient;
import org.bouncycastle.cms.jcajce.JceKeyTransEnvelopedRecipient;
import org.smimed.daemon.keys.KeyVersion;
import org.smimed.daemon.token.KeyAlgorithm;
import org.smimed.daemon.token.TokenKeyReference;
import org.smimed.daemon.token.TokenMeter;

/**
 * Bouncy Castle recipients whose private-key step runs in the token — RSA PKCS#1 v1.5
 * ({@link RsaKeyTransport}), RSAES-OAEP ({@link OaepKeyTransport}), ECDH
 * ({@link EcdhKeyAgreement}) or X25519 ({@link X25519KeyAgreement}) — while content
 * decryption runs in the JDK's ciphers (AES-CBC; AES-GCM and ChaCha20-Poly1305 through
 * {@link StreamingAead}) or in Bouncy Castle (3DES, GCM with unusual parameters).
 *
 * <p>Overriding {@code extractSecretKey} bypasses nothing else: Bouncy Castle's allow-list of
 * content algorithms and the minimum GCM tag size are set on every recipient made here.
 */
final class TokenRecipients {
    /** RFC 5084 allows 12 to 16 byte tags; shorter tags make forgery cheap. */
    private static final int MINIMUM_TAG_BYTES = 12;

    private final RsaKeyTransport pkcs1;
    private final OaepKeyTransport oaep;
    private final EcdhKeyAgreement ecdh;
    private final X25519KeyAgreement x25519;
    private final Provider contentProvider;
    private final Provider jdkProvider;
    private final Set<ASN1ObjectIdentifier> allowed;
    private final CertificateHolders certificates = new CertificateHolders();

    TokenRecipients(Provider tokenProvider, Provider contentProvider, SecureRandom random,
                    Set<ASN1ObjectIdentifier> allowed, TokenMeter meter) {
        ImplicitRejection rejection = new ImplicitRejection(tokenProvider, random, meter);
        this.pkcs1 = new RsaKeyTransport(tokenProvider, rejection, meter);
        this.oaep = new OaepKeyTransport(tokenProvider, contentProvider, rejection, meter);
        this.ecdh = new EcdhKeyAgreement(tokenProvider, meter);
        this.x25519 = new X25519KeyAgreement(meter);
        this.contentProvider = contentProvider;
        // AES runs in the JDK's own provider, whose AES uses the CPU's AES instructions
        // (several times Bouncy Castle's speed on large messages): CBC directly, GCM as counter
        // mode plus GHASH (AesGcmDecryptor), because the JDK's GCM holds the whole ciphertext
        // until the tag is checked; ChaCha20-Poly1305 likewise (ChaChaPolyDecryptor), which
        // also takes authenticated attributes after the content. Unusual GCM parameters stay
        // with Bouncy Castle, whose AEAD streams.
        Provider jdk = Security.getProvider("SunJCE");
        this.jdkProvider = jdk != null ? jdk : contentProvider;
        this.allowed = Set.copyOf(allowed);
    }

    /** {@code key}'s certificate as a RecipientInfo's identifier is matched against. */
    X509CertificateHolder certificate(KeyVersion key) {
        return certificates.of(key.certificate());
    }

    /** Whether {@code algorithm} is a key transport {@link #keyTransport} handles. */
    static boolean isKeyTransport(ASN1ObjectIdentifier algorithm) {
        return PKCSObjectIdentifiers.rsaEncryption.equals(algorithm)
                || PKCSObjectIdentifiers.id_RSAES_OAEP.equals(algorithm);
    }

    /** Whether {@code algorithm} is a key agreement {@link #keyAgreement} handles. */
    static boolean isKeyAgreement(ASN1ObjectIdentifier algorithm) {
        return EcdhKeyAgreement.supports(algorithm);
    }

    /** A recipient for a KeyTransRecipientInfo addressed to {@code key}. */
    Recipient keyTransport(KeyVersion key, ContentCipher cipher) {
        if (cipher.authenticated()) {
            var r = new JceKeyTransAuthEnvelopedRecipient(key.privateKey()) {
                @Override
                protected Key extractSecretKey(AlgorithmIdentifier keyAlg,
                                               AlgorithmIdentifier contentAlg, byte[] encrypted)
                        throws CMSException {
                    return transport(key, keyAlg, cipher, encrypted);
                }

                @Override
                public RecipientOperator getRecipientOperator(AlgorithmIdentifier keyAlg,
                        AlgorithmIdentifier contentAlg, byte[] encrypted) throws CMSException {
                    if (!StreamingAead.handles(contentAlg)) {
                        return super.getRecipientOperator(keyAlg, contentAlg, encrypted);
                    }
                    return StreamingAead.operator(contentAlg,
                            transport(key, keyAlg, cipher, encrypted), allowed, jdkProvider);
                }
            };
            r.setContentProvider(contentProvider).setAllowedContentAlgorithms(allowed)
                    .setMinimumTagSize(MINIMUM_TAG_BYTES);
            return r;
        }
        var r = new JceKeyTransEnvelopedRecipient(key.privateKey()) {
            @Override
            protected Key extractSecretKey(AlgorithmIdentifier keyAlg,
                                           AlgorithmIdentifier contentAlg, byte[] encrypted)
                    throws CMSException {
                return transport(key, keyAlg, cipher, encrypted);
            }

            @Override
            public RecipientOperator getRecipientOperator(AlgorithmIdentifier keyAlg,
                    AlgorithmIdentifier contentAlg, byte[] encrypted) throws CMSException {
                return NonEmptyCiphertext.of(
                        super.getRecipientOperator(keyAlg, contentAlg, encrypted), contentAlg);
            }
        };
        r.setContentProvider(jdkProvider).setAllowedContentAlgorithms(allowed);
        return r;
    }

    /** A recipient for a KeyAgreeRecipientInfo addressed to {@code key}. */
    Recipient keyAgreement(KeyVersion key, ContentCipher cipher) {
        AgreedKey agreed;
        if (key.algorithm() == KeyAlgorithm.X25519) {
            TokenKeyReference reference = (TokenKeyReference) key.privateKey();
            agreed = (keyAlg, sender, ukm, encrypted) ->
                    x25519.recover(reference, keyAlg, cipher, sender, ukm, encrypted);
        } else {
            ECPublicKey recipient = (ECPublicKey) key.certificate().getPublicKey();
            agreed = (keyAlg, sender, ukm, encrypted) -> ecdh.recover(key.privateKey(),
                    recipient, keyAlg, cipher, sender, ukm, encrypted);
        }
        // Bouncy Castle reads the key's algorithm (for EC, the curve) from the private key's
        // encoding, which a token key does not have: name it from the certificate (also where
        // an absent curve in OpenSSL's originator key is taken from).
        AlgorithmIdentifier keyAlgorithm = SubjectPublicKeyInfo.getInstance(
                key.certificate().getPublicKey().getEncoded()).getAlgorithm();
        if (cipher.authenticated()) {
            var r = new JceKeyAgreeAuthEnvelopedRecipient(key.privateKey()) {
                @Override
                protected Key extractSecretKey(AlgorithmIdentifier keyAlg,
                                               AlgorithmIdentifier contentAlg,
                                               SubjectPublicKeyInfo sender, ASN1OctetString ukm,
                                               byte[] encrypted) throws CMSException {
                    return agreed.recover(keyAlg, sender, ukm, encrypted);
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
                            contentAlg, sender, ukm, encrypted), allowed, jdkProvider);
                }
            };
            r.setPrivateKeyAlgorithmIdentifier(keyAlgorithm).setContentProvider(contentProvider)
                    .setAllowedContentAlgorithms(allowed).setMinimumTagSize(MINIMUM_TAG_BYTES);
            return r;
        }
        var r = new JceKeyAgreeEnvelopedRecipient(key.privateKey()) {
            @Override
            protected Key extractSecretKey(AlgorithmIdentifier keyAlg,
                                           AlgorithmIdentifier contentAlg,
                                           SubjectPublicKeyInfo sender, ASN1OctetString ukm,
                                           byte[] encrypted) throws CMSException {
                return agreed.recover(keyAlg, sender, ukm, encrypted);
            }

            @Override
            public RecipientOperator getRecipientOperator(AlgorithmIdentifier keyAlg,
                    AlgorithmIdentifier contentAlg, SubjectPublicKeyInfo sender,
                    ASN1OctetString ukm, byte[] encrypted) throws CMSException {
                return NonEmptyCiphertext.of(super.getRecipientOperator(keyAlg, contentAlg,
                        sender, ukm, encrypted), contentAlg);
            }
        };
        r.setPrivateKeyAlgorithmIdentifier(keyAlgorithm).setContentProvider(jdkProvider)
                .setAllowedContentAlgorithms(allowed);
        return r;
    }

    /** The content key of one KeyAgreeRecipientInfo, by ECDH or X25519 in the token. */
    @FunctionalInterface
    private interface AgreedKey {
        Key recover(AlgorithmIdentifier keyAlg, SubjectPublicKeyInfo sender, ASN1OctetString ukm,
                    byte[] encrypted) throws CMSException;
    }

    private Key transport(KeyVersion key, AlgorithmIdentifier keyAlg, ContentCipher cipher,
                          byte[] encrypted) throws CMSException {
        if (PKCSObjectIdentifiers.id_RSAES_OAEP.equals(keyAlg.getAlgorithm())) {
            return oaep.recover(key.privateKey(), (RSAPublicKey) key.certificate().getPublicKey(),
                    keyAlg, cipher, encrypted);
        }
        return pkcs1.recover(key.privateKey(), (RSAPublicKey) key.certificate().getPublicKey(),
                cipher, encrypted);
    }
}
