package org.smimed.daemon.cms;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1UTCTime;
import org.bouncycastle.asn1.DERNull;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.DERSet;
import org.bouncycastle.asn1.DERTaggedObject;
import org.bouncycastle.asn1.cms.Attribute;
import org.bouncycastle.asn1.cms.AttributeTable;
import org.bouncycastle.asn1.cms.CMSAttributes;
import org.bouncycastle.asn1.cms.IssuerAndSerialNumber;
import org.bouncycastle.asn1.ess.ESSCertIDv2;
import org.bouncycastle.asn1.ess.SigningCertificateV2;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.smime.SMIMEAttributes;
import org.bouncycastle.asn1.smime.SMIMEEncryptionKeyPreferenceAttribute;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.IssuerSerial;
import org.bouncycastle.cert.jcajce.JcaCertStore;
import org.bouncycastle.cert.jcajce.JcaX509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.cms.CMSProcessableByteArray;
import org.bouncycastle.cms.CMSSignedData;
import org.bouncycastle.cms.CMSSignedDataGenerator;
import org.bouncycastle.cms.DefaultSignedAttributeTableGenerator;
import org.bouncycastle.cms.SignerInformation;
import org.bouncycastle.cms.jcajce.JcaSignerInfoGeneratorBuilder;
import org.bouncycastle.cms.jcajce.JcaSimpleSignerInfoVerifierBuilder;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.smimed.daemon.keys.KeyState;
import org.smimed.daemon.keys.KeyVersion;
import org.smimed.daemon.token.KeyAlgorithm;

/**
 * The hand-assembled SignedData against Bouncy Castle's own generator as the oracle: for
 * deterministic RSA PKCS#1 v1.5 signatures the bytes must be identical; for ECDSA the
 * signature must verify and carry the same attributes.
 */
class SignedDataAssemblerTest {
    private static final BouncyCastleProvider BC = new BouncyCastleProvider();
    private static final Instant NOW = Instant.parse("2026-11-29T01:02:03Z");
    private static final byte[] CONTENT = "Content-Type: text/plain\r\n\r\nhello\r\n"
            .getBytes(StandardCharsets.US_ASCII);

    private final CmsSigner signer = new CmsSigner(BC, BC, Clock.fixed(NOW, ZoneOffset.UTC));

    @ParameterizedTest(name = "{0}")
    @CsvSource({"2026-11-29T01:02:03.999Z", "1950-01-01T00:00:00Z", "1999-12-31T23:59:59Z",
        "2000-02-29T12:00:00.5Z", "2049-12-31T23:59:59.999Z", "2050-01-01T00:00:00Z",
        "1949-12-31T23:59:59Z", "2038-01-19T03:14:08Z"})
    void signingTime_isByteForByteWhatBouncyCastleEncodes(String when) {
        Instant instant = Instant.parse(when);
        byte[] bc = SignedDataAssembler.der(new org.bouncycastle.asn1.cms.Attribute(
                CMSAttributes.signingTime, new org.bouncycastle.asn1.DERSet(
                        new org.bouncycastle.asn1.cms.Time(Date.from(instant)))));

        assertThat(SignedDataAssembler.signingTime(instant)).isEqualTo(bc);
    }

    @ParameterizedTest(name = "{0} encapsulate={1} digest mode={2}")
    @CsvSource({
        "SHA256, false, true", "SHA384, false, true", "SHA512, false, true",
        "SHA256, false, false", "SHA256, true, false",
    })
    void rsaPkcs1_isByteForByteWhatBouncyCastleMakes(DigestAlgorithm digest, boolean encapsulate,
                                                     boolean digestMode) throws Exception {
        KeyVersion key = key("RSA", 2048, KeyAlgorithm.RSA_2048);
        SignatureRequest.Input input = digestMode
                ? new SignatureRequest.PrecomputedDigest(digest, hash(digest))
                : new SignatureRequest.Content(CONTENT);

        byte[] ours = signer.sign(key, new SignatureRequest(input, encapsulate,
                Optional.of(SignatureScheme.RSA_PKCS1), Optional.of(digest))).signedData();

        assertThat(ours).isEqualTo(bouncyCastle(key, digest, Optional.empty(), encapsulate));
    }

    /** SignBatch refuses, before signing, a batch whose answer would pass 4 MiB with this. */
    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"RSA, 2048, RSA_2048", "RSA, 4096, RSA_4096", "EC, 256, EC_P256",
        "EC, 384, EC_P384", "EC, 521, EC_P521"})
    void maxSignedDataBytes_boundsEverySignature_withinAFewOctets(String type, int bits,
                                                                   KeyAlgorithm algorithm)
            throws Exception {
        KeyVersion key = key(type, bits, algorithm);
        SignatureRequest request = new SignatureRequest(new SignatureRequest.PrecomputedDigest(
                DigestAlgorithm.SHA256, hash(DigestAlgorithm.SHA256)), false, Optional.empty(),
                Optional.of(DigestAlgorithm.SHA256));

        int bound = signer.maxSignedDataBytes(key, Optional.empty(), request);

        for (int i = 0; i < 50; i++) {
            int made = signer.sign(key, request).signedData().length;
            assertThat(made).isLessThanOrEqualTo(bound).isGreaterThan(bound - 12);
        }
    }

    /** A security review: a chain replaced under the same version name was signed stale. */
    @Test
    void aVersionWhoseChainChanged_signsWithTheNewChain() throws Exception {
        KeyVersion before = key("EC", 256, KeyAlgorithm.EC_P256);
        KeyVersion other = key("EC", 256, KeyAlgorithm.EC_P256);
        KeyVersion after = new KeyVersion(before.id(), before.identity(), before.algorithm(),
                before.state(), true, false, other.privateKey(), other.chain());
        SignatureRequest request = new SignatureRequest(new SignatureRequest.PrecomputedDigest(
                DigestAlgorithm.SHA256, hash(DigestAlgorithm.SHA256)), false, Optional.empty(),
                Optional.empty());
        signer.sign(before, request);

        CMSSignedData signed = new CMSSignedData(signer.sign(after, request).signedData());

        assertThat(signed.getCertificates().getMatches(null)).extracting(h -> h.getEncoded())
                .containsExactlyInAnyOrder(other.chain().get(0).getEncoded(),
                        other.chain().get(1).getEncoded());
    }

    @Test
    void ecdsa_verifies_andCarriesEverySignedAttribute() throws Exception {
        KeyVersion key = key("EC", 256, KeyAlgorithm.EC_P256);

        byte[] ours = signer.sign(key, new SignatureRequest(new SignatureRequest.PrecomputedDigest(
                DigestAlgorithm.SHA256, hash(DigestAlgorithm.SHA256)), false, Optional.empty(),
                Optional.empty())).signedData();

        CMSSignedData parsed = new CMSSignedData(new CMSProcessableByteArray(CONTENT), ours);
        SignerInformation info = parsed.getSignerInfos().getSigners().iterator().next();
        assertThat(info.verify(new JcaSimpleSignerInfoVerifierBuilder().setProvider(BC)
                .build(key.certificate()))).isTrue();
        assertThat(info.getSignedAttributes().toHashtable().keySet()).extracting(Object::toString)
                .containsExactlyInAnyOrder("1.2.840.113549.1.9.3", "1.2.840.113549.1.9.5",
                        "1.2.840.113549.1.9.4", "1.2.840.113549.1.9.52",
                        "1.2.840.113549.1.9.15", "1.2.840.113549.1.9.16.2.47");
        assertThat(parsed.getCertificates().getMatches(null)).hasSize(2);
    }

    @Test
    void separateEncryptionKey_isNamedAndIncluded_asBouncyCastleWouldWriteIt() throws Exception {
        List<KeyVersion> keys = twoKeysOfOneCa();
        KeyVersion signing = keys.get(0);
        KeyVersion encryption = keys.get(1);

        byte[] ours = signer.sign(signing, Optional.of(encryption), new SignatureRequest(
                new SignatureRequest.Content(CONTENT), false,
                Optional.of(SignatureScheme.RSA_PKCS1), Optional.of(DigestAlgorithm.SHA256)))
                .signedData();

        CMSSignedData parsed = new CMSSignedData(new CMSProcessableByteArray(CONTENT), ours);
        Attribute preference = parsed.getSignerInfos().getSigners().iterator().next()
                .getSignedAttributes().get(SMIMEAttributes.encrypKeyPref);
        IssuerAndSerialNumber named = new IssuerAndSerialNumber(
                new JcaX509CertificateHolder(encryption.certificate()).toASN1Structure());
        assertThat(preference).isEqualTo(new SMIMEEncryptionKeyPreferenceAttribute(named));
        assertThat(parsed.getSignerInfos().getSigners().iterator().next().getSignedAttributes()
                .get(SignerProfile.MICROSOFT_ENCRYPTION_KEY_PREFERENCE))
                .as("Outlook's attribute names the same certificate")
                .isEqualTo(new Attribute(SignerProfile.MICROSOFT_ENCRYPTION_KEY_PREFERENCE,
                        new DERSet(named)));
        // The shared CA certificate once: certificates is a SET.
        List<X509Certificate> certificates = List.of(signing.certificate(),
                encryption.certificate(), signing.chain().get(1));
        assertThat(parsed.getCertificates().getMatches(null)).hasSize(3);
        assertThat(ours).isEqualTo(bouncyCastle(signing, DigestAlgorithm.SHA256,
                Optional.of(encryption.certificate()), false, certificates));
    }

    @Test
    void keyThatAlsoDecrypts_namesItsOwnCertificate_includedOnce() throws Exception {
        KeyVersion key = key("RSA", 2048, KeyAlgorithm.RSA_2048);

        byte[] ours = signer.sign(key, Optional.of(key), new SignatureRequest(
                new SignatureRequest.Content(CONTENT), false,
                Optional.of(SignatureScheme.RSA_PKCS1), Optional.of(DigestAlgorithm.SHA256)))
                .signedData();

        CMSSignedData parsed = new CMSSignedData(new CMSProcessableByteArray(CONTENT), ours);
        assertThat(parsed.getSignerInfos().getSigners().iterator().next().getSignedAttributes()
                .get(SMIMEAttributes.encrypKeyPref)).isEqualTo(
                        new SMIMEEncryptionKeyPreferenceAttribute(new IssuerAndSerialNumber(
                                new JcaX509CertificateHolder(key.certificate())
                                        .toASN1Structure())));
        assertThat(parsed.getCertificates().getMatches(null)).hasSize(2);
        assertThat(ours).isEqualTo(bouncyCastle(key, DigestAlgorithm.SHA256,
                Optional.of(key.certificate()), false));
    }

    /**
     * Bouncy Castle's generator given signed attributes written out here from the test's own
     * inputs (clock, certificates) and the standards, never read back from the output under
     * test: a wrong value in ours then differs from the expected bytes. Bouncy Castle adds
     * contentType, messageDigest and CMSAlgorithmProtection itself. The signer's software
     * private key stands in for the token key; RSA PKCS#1 v1.5 is deterministic, so the same
     * key gives the same signature value.
     */
    private static byte[] bouncyCastle(KeyVersion key, DigestAlgorithm digest,
                                       Optional<X509Certificate> encryption, boolean encapsulate)
            throws Exception {
        return bouncyCastle(key, digest, encryption, encapsulate, key.chain());
    }

    private static byte[] bouncyCastle(KeyVersion key, DigestAlgorithm digest,
                                       Optional<X509Certificate> encryption, boolean encapsulate,
                                       List<X509Certificate> certificates) throws Exception {
        ASN1EncodableVector attributes = new ASN1EncodableVector();
        // RFC 5652 11.3: UTCTime for 1950-2049; NOW is 2026-11-29T01:02:03Z.
        attributes.add(new Attribute(CMSAttributes.signingTime,
                new DERSet(new ASN1UTCTime("261129010203Z"))));
        // What the daemon decrypts by default (every algorithm but Triple DES), most preferred
        // first (RFC 8551 2.5.2); clients pick the first they share, so the order is part of
        // the promise: AEAD before CBC, AES-256 and AES-128 before AES-192.
        ASN1EncodableVector capabilities = new ASN1EncodableVector();
        capabilities.add(capability("2.16.840.1.101.3.4.1.46")); // id-aes256-GCM, preferred
        capabilities.add(capability("2.16.840.1.101.3.4.1.6")); // id-aes128-GCM
        capabilities.add(capability("2.16.840.1.101.3.4.1.26")); // id-aes192-GCM
        capabilities.add(capability("1.2.840.113549.1.9.16.3.18")); // ChaCha20-Poly1305
        capabilities.add(capability("2.16.840.1.101.3.4.1.42")); // id-aes256-CBC
        // id-aes192-CBC was before AES-128, against the comment above and the README (found by
        // an interop trial).
        capabilities.add(capability("2.16.840.1.101.3.4.1.2")); // id-aes128-CBC
        capabilities.add(capability("2.16.840.1.101.3.4.1.22")); // id-aes192-CBC
        if (encryption.isPresent()
                && encryption.get().getPublicKey().getAlgorithm().equals("RSA")) {
            // RFC 3560 section 5 with RFC 4055's SHA-256 parameters, then rsaEncryption.
            AlgorithmIdentifier sha256 = new AlgorithmIdentifier(
                    new ASN1ObjectIdentifier("2.16.840.1.101.3.4.2.1"), DERNull.INSTANCE);
            capabilities.add(new DERSequence(new ASN1Encodable[] {
                new ASN1ObjectIdentifier("1.2.840.113549.1.1.7"),
                new DERSequence(new ASN1Encodable[] {
                    new DERTaggedObject(true, 0, sha256),
                    new DERTaggedObject(true, 1, new AlgorithmIdentifier(
                            new ASN1ObjectIdentifier("1.2.840.113549.1.1.8"), sha256))})}));
            capabilities.add(capability("1.2.840.113549.1.1.1"));
        }
        attributes.add(new Attribute(SMIMEAttributes.smimeCapabilities,
                new DERSet(new DERSequence(capabilities))));
        // RFC 5035: ESSCertIDv2 with the default hash (SHA-256, so hashAlgorithm is omitted)
        // of the signer certificate's DER, and its issuer and serial number.
        X509Certificate leaf = key.certificate();
        attributes.add(new Attribute(PKCSObjectIdentifiers.id_aa_signingCertificateV2,
                new DERSet(new SigningCertificateV2(new ESSCertIDv2[] {new ESSCertIDv2(
                        MessageDigest.getInstance("SHA-256").digest(leaf.getEncoded()),
                        new IssuerSerial(new GeneralNames(new GeneralName(issuer(leaf))),
                                leaf.getSerialNumber()))}))));
        if (encryption.isPresent()) {
            IssuerAndSerialNumber named = new IssuerAndSerialNumber(issuer(encryption.get()),
                    encryption.get().getSerialNumber());
            // RFC 8551 2.5.3: the CHOICE issuerAndSerialNumber [0] IMPLICIT.
            attributes.add(new Attribute(new ASN1ObjectIdentifier("1.2.840.113549.1.9.16.2.11"),
                    new DERSet(new DERTaggedObject(false, 0, named))));
            // szOID_MICROSOFT_Encryption_Key_Preference: a plain IssuerAndSerialNumber.
            attributes.add(new Attribute(new ASN1ObjectIdentifier("1.3.6.1.4.1.311.16.4"),
                    new DERSet(named)));
        }
        CMSSignedDataGenerator generator = new CMSSignedDataGenerator();
        generator.addSignerInfoGenerator(new JcaSignerInfoGeneratorBuilder(
                new JcaDigestCalculatorProviderBuilder().setProvider(BC).build())
                .setSignedAttributeGenerator(new DefaultSignedAttributeTableGenerator(
                        new AttributeTable(attributes)))
                .build(new JcaContentSignerBuilder(digest.jcaSignatureName(
                        SignatureScheme.RSA_PKCS1)).setProvider(BC).build(key.privateKey()),
                        key.certificate()));
        generator.addCertificates(new JcaCertStore(certificates));
        return generator.generate(new CMSProcessableByteArray(CONTENT), encapsulate)
                .getEncoded("DER");
    }

    /** An SMIMECapability naming an algorithm, its parameters absent. */
    private static DERSequence capability(String oid) {
        return new DERSequence(new ASN1ObjectIdentifier(oid));
    }

    private static X500Name issuer(X509Certificate certificate) {
        return X500Name.getInstance(certificate.getIssuerX500Principal().getEncoded());
    }

    private static byte[] hash(DigestAlgorithm digest) throws Exception {
        return MessageDigest.getInstance(digest.jcaHashName()).digest(CONTENT);
    }

    private static KeyVersion key(String type, int bits, KeyAlgorithm algorithm) throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance(type);
        generator.initialize(bits);
        KeyPair ca = generator.generateKeyPair();
        KeyPair leaf = generator.generateKeyPair();
        String signature = type.equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
        X509Certificate caCert = certificate("CN=Test CA", "CN=Test CA", ca, ca, signature);
        X509Certificate leafCert = certificate("CN=Test CA", "CN=signer", leaf, ca, signature);
        return new KeyVersion("signer@example.com/v1", "signer@example.com", algorithm,
                KeyState.ACTIVE, true, false, leaf.getPrivate(), List.of(leafCert, caCert));
    }

    /** An RSA signing key and an RSA encryption key of one identity, certified by one CA. */
    private static List<KeyVersion> twoKeysOfOneCa() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        KeyPair ca = generator.generateKeyPair();
        KeyPair signing = generator.generateKeyPair();
        KeyPair encryption = generator.generateKeyPair();
        X509Certificate caCert = certificate("CN=Test CA", "CN=Test CA", ca, ca, "SHA256withRSA");
        return List.of(new KeyVersion("split@example.com/v1", "split@example.com",
                        KeyAlgorithm.RSA_2048, KeyState.ACTIVE, true, false, signing.getPrivate(),
                        List.of(certificate("CN=Test CA", "CN=signing", signing, ca,
                                "SHA256withRSA"), caCert)),
                new KeyVersion("split@example.com/v2", "split@example.com",
                        KeyAlgorithm.RSA_2048, KeyState.ACTIVE, false, true,
                        encryption.getPrivate(), List.of(certificate("CN=Test CA",
                                "CN=encryption", encryption, ca, "SHA256withRSA"), caCert)));
    }

    private static X509Certificate certificate(String issuer, String subject, KeyPair subjectKeys,
                                               KeyPair issuerKeys, String signature)
            throws Exception {
        return new JcaX509CertificateConverter().setProvider(BC).getCertificate(
                new JcaX509v3CertificateBuilder(new X500Name(issuer), BigInteger.valueOf(
                        subject.hashCode() & 0x7fffffff), Date.from(NOW.minusSeconds(3600)),
                        Date.from(NOW.plusSeconds(86400)), new X500Name(subject),
                        subjectKeys.getPublic()).build(new JcaContentSignerBuilder(signature)
                        .setProvider(BC).build(issuerKeys.getPrivate())));
    }
}
