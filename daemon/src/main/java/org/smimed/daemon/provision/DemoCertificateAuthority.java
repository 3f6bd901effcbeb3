package org.smimed.daemon.provision;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A small software certificate authority for demos and tests: it stands in for the firm's CA,
 * which in production certifies the token's keys. Its own key lives in a file — never use it
 * for anything real.
 */
public final class DemoCertificateAuthority {
    private final PrivateKey key;
    private final X509Certificate certificate;
    private final Provider provider;
    private final Clock clock;
    private final SecureRandom random;

    private DemoCertificateAuthority(PrivateKey key, X509Certificate certificate,
                                     Provider provider, Clock clock, SecureRandom random) {
        this.key = key;
        this.certificate = certificate;
        this.provider = provider;
        this.clock = clock;
        this.random = random;
    }

    /** A new CA with a fresh RSA-2048 key, valid for ten years from now. */
    public static DemoCertificateAuthority create(String commonName, Provider provider,
                                                  Clock clock, SecureRandom random)
            throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA", provider);
        generator.initialize(2048, random);
        KeyPair pair = generator.generateKeyPair();
        X500Name name = new X500Name("CN=" + commonName + ",O=smimed demo");
        Instant now = clock.instant();
        try {
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name,
                    new BigInteger(64, random).add(BigInteger.ONE),
                    Date.from(now.minus(Duration.ofHours(1))),
                    Date.from(now.plus(Duration.ofDays(3650))), name, pair.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
                    .addExtension(Extension.keyUsage, true,
                            new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                    .addExtension(Extension.subjectKeyIdentifier, false,
                            ext.createSubjectKeyIdentifier(pair.getPublic()));
            X509Certificate cert = sign(builder, pair.getPrivate(), provider);
            return new DemoCertificateAuthority(pair.getPrivate(), cert, provider, clock, random);
        } catch (IOException | OperatorCreationException e) {
            throw new GeneralSecurityException("cannot create demo CA", e);
        }
    }

    /** Loads a CA written by {@link #save}. */
    public static DemoCertificateAuthority load(Path certificateFile, Path keyFile,
                                                Provider provider, Clock clock,
                                                SecureRandom random)
            throws IOException, GeneralSecurityException {
        X509Certificate cert;
        PrivateKey key;
        try (Reader r = Files.newBufferedReader(certificateFile);
             PEMParser parser = new PEMParser(r)) {
            cert = new JcaX509CertificateConverter().setProvider(provider)
                    .getCertificate((X509CertificateHolder) parser.readObject());
        }
        try (Reader r = Files.newBufferedReader(keyFile); PEMParser parser = new PEMParser(r)) {
            Object o = parser.readObject();
            JcaPEMKeyConverter converter = new JcaPEMKeyConverter().setProvider(provider);
            key = o instanceof PEMKeyPair p ? converter.getKeyPair(p).getPrivate()
                    : converter.getPrivateKey((PrivateKeyInfo) o);
        }
        return new DemoCertificateAuthority(key, cert, provider, clock, random);
    }

    /** Writes the CA certificate and (demo only) its key as PEM; the key file is owner-only. */
    public void save(Path certificateFile, Path keyFile) throws IOException {
        Pem.write(certificateFile, certificate);
        Pem.writePrivate(keyFile, key);
    }

    public X509Certificate certificate() {
        return certificate;
    }

    /**
     * Issues an S/MIME certificate (RFC 8550): the e-mail address in subjectAltName, the
     * emailProtection extended key usage, and key usage fitting the key and its purpose.
     */
    public X509Certificate issueSmime(PublicKey subjectKey, String email, boolean signs,
                                      boolean decrypts, Duration validity)
            throws GeneralSecurityException {
        int usage = 0;
        if (signs) {
            usage |= KeyUsage.digitalSignature | KeyUsage.nonRepudiation;
        }
        if (decrypts) {
            usage |= "RSA".equals(subjectKey.getAlgorithm())
                    ? KeyUsage.keyEncipherment : KeyUsage.keyAgreement;
        }
        X500Name subject = new X500Name("CN=" + email + ",O=smimed demo");
        return issue(subject, subjectKey, validity, new KeyUsage(usage),
                KeyPurposeId.id_kp_emailProtection,
                new GeneralNames(new GeneralName(GeneralName.rfc822Name, email)));
    }

    /** Issues a TLS server certificate for {@code dnsNames} and loopback addresses. */
    public X509Certificate issueServer(PublicKey subjectKey, List<String> dnsNames,
                                       Duration validity) throws GeneralSecurityException {
        GeneralName[] names = new GeneralName[dnsNames.size() + 2];
        for (int i = 0; i < dnsNames.size(); i++) {
            names[i] = new GeneralName(GeneralName.dNSName, dnsNames.get(i));
        }
        names[dnsNames.size()] = new GeneralName(GeneralName.iPAddress, "127.0.0.1");
        names[dnsNames.size() + 1] = new GeneralName(GeneralName.iPAddress, "::1");
        return issue(new X500Name("CN=" + dnsNames.get(0) + ",O=smimed demo"), subjectKey,
                validity, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment),
                KeyPurposeId.id_kp_serverAuth, new GeneralNames(names));
    }

    /**
     * Issues a TLS client certificate (clientAuth) with subject {@code CN=commonName,O=smimed
     * demo}, and {@code email} as rfc822Name in subjectAltName unless null: how a service or
     * an officer identifies itself to smimed over mutual TLS.
     */
    public X509Certificate issueClient(PublicKey subjectKey, String commonName, String email,
                                       Duration validity) throws GeneralSecurityException {
        GeneralNames names = email == null
                ? new GeneralNames(new GeneralName(GeneralName.dNSName, commonName
                        .replaceAll("[^A-Za-z0-9.-]", "-") + ".clients.smimed.invalid"))
                : new GeneralNames(new GeneralName(GeneralName.rfc822Name, email));
        // ASN.1 order O, CN: its RFC 4514 string (what the policy names) is "CN=...,O=...".
        return issue(new X500Name("O=smimed demo,CN=" + commonName), subjectKey, validity,
                new KeyUsage(KeyUsage.digitalSignature), KeyPurposeId.id_kp_clientAuth, names);
    }

    private X509Certificate issue(X500Name subject, PublicKey subjectKey, Duration validity,
                                  KeyUsage usage, KeyPurposeId purpose, GeneralNames altNames)
            throws GeneralSecurityException {
        Instant now = clock.instant();
        try {
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
                    certificate, new BigInteger(64, random).add(BigInteger.ONE),
                    Date.from(now.minus(Duration.ofMinutes(5))), Date.from(now.plus(validity)),
                    subject, subjectKey)
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.keyUsage, true, usage)
                    .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose))
                    .addExtension(Extension.subjectAlternativeName, false, altNames)
                    .addExtension(Extension.subjectKeyIdentifier, false,
                            ext.createSubjectKeyIdentifier(subjectKey))
                    .addExtension(Extension.authorityKeyIdentifier, false,
                            ext.createAuthorityKeyIdentifier(certificate));
            return sign(builder, key, provider);
        } catch (IOException | OperatorCreationException e) {
            throw new GeneralSecurityException("cannot issue certificate for " + subject, e);
        }
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey key,
                                        Provider provider)
            throws OperatorCreationException, GeneralSecurityException {
        return new JcaX509CertificateConverter().setProvider(provider).getCertificate(
                builder.build(new JcaContentSignerBuilder("SHA256withRSA")
                        .setProvider(provider).build(key)));
    }

    /** PEM files, written so private keys are never readable by others. */
    public static final class Pem {
        private Pem() {
        }

        public static void write(Path file, Object... objects) throws IOException {
            try (Writer w = Files.newBufferedWriter(file); JcaPEMWriter pem = new JcaPEMWriter(w)) {
                for (Object o : objects) {
                    pem.writeObject(o);
                }
            }
        }

        public static void writePrivate(Path file, PrivateKey key) throws IOException {
            Files.deleteIfExists(file);
            Files.createFile(file, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                    java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
            try (Writer w = Files.newBufferedWriter(file); JcaPEMWriter pem = new JcaPEMWriter(w)) {
                pem.writeObject(new org.bouncycastle.openssl.jcajce.JcaPKCS8Generator(key, null));
            }
        }
    }
}
