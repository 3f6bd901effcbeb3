package org.smimed.daemon.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.cms.AttributeTable;
import org.bouncycastle.asn1.cms.CMSAttributes;
import org.bouncycastle.asn1.edec.EdECObjectIdentifiers;
import org.bouncycastle.asn1.nist.NISTObjectIdentifiers;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cms.CMSAlgorithm;
import org.bouncycastle.cms.CMSAuthEnvelopedDataGenerator;
import org.bouncycastle.cms.CMSEnvelopedDataGenerator;
import org.bouncycastle.cms.CMSProcessableByteArray;
import org.bouncycastle.cms.CMSSignedData;
import org.bouncycastle.cms.RecipientInfoGenerator;
import org.bouncycastle.cms.SignerInformation;
import org.bouncycastle.cms.jcajce.JceCMSContentEncryptorBuilder;
import org.bouncycastle.cms.jcajce.JceKeyAgreeRecipientInfoGenerator;
import org.bouncycastle.cms.jcajce.JcaSimpleSignerInfoVerifierBuilder;
import org.bouncycastle.jce.provider.BouncyCastleProvider;

/**
 * Bouncy Castle as the independent peer for Ed25519 and X25519 (OpenSSL 3.0, NSS and gpgsm
 * cannot do either in CMS): encrypts to an X25519 certificate with RFC 8418 and checks Ed25519
 * SignedData per RFC 8419.
 */
public final class EdwardsPeer {
    public static final Path RFC9216 =
            Path.of("src", "test", "resources", "rfc9216").toAbsolutePath();
    /** The RFC 9216 CA that issued Carlos's and Dana's certificates. */
    public static final String CA = "Sample_LAMPS_Ed25519_Certification_Authority.selfsigned.pem";
    private static final BouncyCastleProvider BC = new BouncyCastleProvider();

    private EdwardsPeer() {
    }

    public static X509Certificate certificate(String file) throws Exception {
        try (var in = Files.newInputStream(RFC9216.resolve(file))) {
            return (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(in);
        }
    }

    /**
     * EnvelopedData (CBC) or AuthEnvelopedData (GCM) to {@code recipient} with an ephemeral
     * X25519 key, HKDF-SHA256 (dhSinglePass-stdDH-hkdf-sha256-scheme) and AES key wrap
     * {@code wrap}.
     */
    public static byte[] encrypt(X509Certificate recipient, ASN1ObjectIdentifier wrap,
                                 ASN1ObjectIdentifier content, byte[] data) throws Exception {
        return encrypt(recipient, wrap, content, data, null);
    }

    /** As above, with user keying material {@code ukm} in the KeyAgreeRecipientInfo. */
    public static byte[] encrypt(X509Certificate recipient, ASN1ObjectIdentifier wrap,
                                 ASN1ObjectIdentifier content, byte[] data, byte[] ukm)
            throws Exception {
        KeyPair ephemeral = KeyPairGenerator.getInstance("X25519", BC).generateKeyPair();
        var info = new JceKeyAgreeRecipientInfoGenerator(CMSAlgorithm.ECDH_HKDF_SHA256,
                ephemeral.getPrivate(), ephemeral.getPublic(), wrap).setProvider(BC);
        if (ukm != null) {
            info.setUserKeyingMaterial(ukm);
        }
        info.addRecipient(recipient);
        return envelope(info, content, data);
    }

    /**
     * As {@link #encrypt}, but with the ANSI X9.63 KDF that RFC 8418 section 2.1 also defines
     * ({@code scheme}: dhSinglePass-stdDH-sha256/384/512kdf-scheme; {@code digest} its JCA name),
     * written by {@link X963KeyAgreement}.
     */
    public static byte[] encryptX963(X509Certificate recipient, ASN1ObjectIdentifier scheme,
                                     String digest, ASN1ObjectIdentifier wrap,
                                     ASN1ObjectIdentifier content, byte[] data) throws Exception {
        return envelope(X963KeyAgreement.to(recipient, scheme, digest, wrap), content, data);
    }

    /**
     * Like {@link #encryptX963}, by a sender who sends the low-order point u = 0 as its
     * ephemeral key and wraps the content key under the key an all-zero Z derives.
     */
    public static byte[] encryptX963FromLowOrderPoint(X509Certificate recipient,
            ASN1ObjectIdentifier scheme, String digest, ASN1ObjectIdentifier wrap,
            ASN1ObjectIdentifier content, byte[] data) throws Exception {
        return envelope(X963KeyAgreement.lowOrderPoint(recipient, scheme, digest, wrap), content,
                data);
    }

    private static byte[] envelope(RecipientInfoGenerator info, ASN1ObjectIdentifier content,
                                   byte[] data) throws Exception {
        var encryptor = new JceCMSContentEncryptorBuilder(content).setProvider(BC).build();
        boolean gcm = content.equals(NISTObjectIdentifiers.id_aes128_GCM)
                || content.equals(NISTObjectIdentifiers.id_aes256_GCM);
        if (gcm) {
            CMSAuthEnvelopedDataGenerator g = new CMSAuthEnvelopedDataGenerator();
            g.addRecipientInfoGenerator(info);
            return g.generate(new CMSProcessableByteArray(data),
                    (org.bouncycastle.operator.OutputAEADEncryptor) encryptor).getEncoded();
        }
        CMSEnvelopedDataGenerator g = new CMSEnvelopedDataGenerator();
        g.addRecipientInfoGenerator(info);
        return g.generate(new CMSProcessableByteArray(data), encryptor).getEncoded();
    }

    /**
     * Verifies the one SignerInfo of {@code signedData} with Bouncy Castle against
     * {@code signer}; asserts id-Ed25519 and SHA-512 (RFC 8419 §3); returns the content.
     */
    public static byte[] verifyEd25519(byte[] signedData, X509Certificate signer)
            throws Exception {
        CMSSignedData cms = new CMSSignedData(signedData);
        Collection<SignerInformation> signers = cms.getSignerInfos().getSigners();
        if (signers.size() != 1) {
            throw new AssertionError(signers.size() + " signers");
        }
        SignerInformation info = signers.iterator().next();
        if (!info.getEncryptionAlgOID().equals(EdECObjectIdentifiers.id_Ed25519.getId())) {
            throw new AssertionError("signature algorithm " + info.getEncryptionAlgOID());
        }
        if (!info.getDigestAlgOID().equals(NISTObjectIdentifiers.id_sha512.getId())) {
            throw new AssertionError("digest algorithm " + info.getDigestAlgOID());
        }
        AttributeTable signed = info.getSignedAttributes();
        if (signed == null || signed.get(CMSAttributes.messageDigest) == null) {
            throw new AssertionError("no signed attributes");
        }
        if (!info.getSID().match(new X509CertificateHolder(signer.getEncoded()))) {
            throw new AssertionError("signer identifier does not name " + signer);
        }
        if (!info.verify(new JcaSimpleSignerInfoVerifierBuilder().setProvider(BC).build(signer))) {
            throw new AssertionError("Bouncy Castle rejects the signature");
        }
        return (byte[]) cms.getSignedContent().getContent();
    }

    /** The key wrap and content cipher pairs the interop tests send. */
    public static List<ASN1ObjectIdentifier[]> ciphers() {
        return List.of(
                new ASN1ObjectIdentifier[] {NISTObjectIdentifiers.id_aes128_wrap,
                    NISTObjectIdentifiers.id_aes128_CBC},
                new ASN1ObjectIdentifier[] {NISTObjectIdentifiers.id_aes256_wrap,
                    NISTObjectIdentifiers.id_aes256_CBC},
                new ASN1ObjectIdentifier[] {NISTObjectIdentifiers.id_aes128_wrap,
                    NISTObjectIdentifiers.id_aes128_GCM},
                new ASN1ObjectIdentifier[] {NISTObjectIdentifiers.id_aes256_wrap,
                    NISTObjectIdentifiers.id_aes256_GCM});
    }

    /** A PKCS#12 file (password "pw") of an RFC 9216 key, its certificate and the Ed25519 CA. */
    public static byte[] pkcs12(Path dir, String key, String cert) throws Exception {
        Path work = Files.createTempDirectory(dir, "p12");
        Processes.check(List.of("openssl", "pkcs12", "-export",
                "-inkey", RFC9216.resolve(key).toString(),
                "-in", RFC9216.resolve(cert).toString(),
                "-certfile", RFC9216.resolve(CA).toString(),
                "-out", "file.p12", "-passout", "pass:pw"), work);
        return Files.readAllBytes(work.resolve("file.p12"));
    }
}
