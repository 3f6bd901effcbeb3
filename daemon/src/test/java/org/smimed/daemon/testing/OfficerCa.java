package org.smimed.daemon.testing;

import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;
import org.smimed.daemon.keys.KeyAdministration;
import org.smimed.daemon.keys.TokenVersion;
import org.smimed.daemon.provision.DemoCertificateAuthority;
import org.smimed.daemon.token.KeyAlgorithm;
import org.smimed.daemon.token.KeyUsage;

/**
 * The firm's CA in tests: certifies the public key of a PKCS#10 request made in the token,
 * after checking the request's signature, writes chains as PEM and PKCS#12 files to import.
 */
public final class OfficerCa {
    private final DemoCertificateAuthority ca;

    private OfficerCa(DemoCertificateAuthority ca) {
        this.ca = ca;
    }

    /** A new CA whose certificates are issued at {@code clock}'s time. */
    public static OfficerCa create(Clock clock) throws Exception {
        return new OfficerCa(DemoCertificateAuthority.create("officer test CA",
                new BouncyCastleProvider(), clock, new SecureRandom()));
    }

    public X509Certificate certificate() {
        return ca.certificate();
    }

    /** Issues an S/MIME certificate for the request's key, valid for {@code validity}. */
    public X509Certificate issue(byte[] csrDer, String email, boolean signs, boolean decrypts,
                                 Duration validity) throws Exception {
        PKCS10CertificationRequest csr = new PKCS10CertificationRequest(csrDer);
        if (!csr.isSignatureValid(new JcaContentVerifierProviderBuilder()
                .setProvider(new BouncyCastleProvider()).build(csr.getSubjectPublicKeyInfo()))) {
            throw new IllegalArgumentException("CSR signature does not verify");
        }
        PublicKey key = new JcaPKCS10CertificationRequest(csr)
                .setProvider(new BouncyCastleProvider()).getPublicKey();
        return issue(key, email, signs, decrypts, validity);
    }

    /** As {@link #issue(byte[], String, boolean, boolean, Duration)}, from a PEM file. */
    public X509Certificate issue(Path csrPem, String email, boolean signs, boolean decrypts,
                                 Duration validity) throws Exception {
        try (PEMParser pem = new PEMParser(new StringReader(Files.readString(csrPem)))) {
            return issue(((PKCS10CertificationRequest) pem.readObject()).getEncoded(), email,
                    signs, decrypts, validity);
        }
    }

    public X509Certificate issue(PublicKey key, String email, boolean signs, boolean decrypts,
                                 Duration validity) throws Exception {
        return ca.issueSmime(key, email, signs, decrypts, validity);
    }

    /**
     * Writes a PKCS#12 file as a firm migrating a key would have it: a new P-256 key, certified
     * by this CA for {@code email} (signing and decryption, 30 days), with the chain up to this
     * CA, all under {@code password}.
     */
    public Path writePkcs12(Path file, String email, String password) throws Exception {
        return writePkcs12(file, email, password, true);
    }

    /** As above; without {@code withCa}, the file holds the certificate but not this CA. */
    public Path writePkcs12(Path file, String email, String password, boolean withCa)
            throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(256);
        KeyPair pair = generator.generateKeyPair();
        X509Certificate cert = issue(pair.getPublic(), email, true, true, Duration.ofDays(30));
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry("key", pair.getPrivate(), password.toCharArray(),
                withCa ? new Certificate[] {cert, ca.certificate()} : new Certificate[] {cert});
        try (var out = Files.newOutputStream(file)) {
            store.store(out, password.toCharArray());
        }
        return file;
    }

    /**
     * Issues a certificate for the request {@code csrDer} with the {@code openssl x509 -req}
     * command and the extensions in {@code extensions} (openssl extension-file lines), as a
     * firm's own CA would: for certificates whose extensions this CA would not write.
     */
    public X509Certificate issueWithOpenSsl(Path dir, byte[] csrDer, String extensions)
            throws Exception {
        return issueWithOpenSsl(dir, csrDer, extensions, "-sha256");
    }

    /**
     * As above, signed as {@code signing} says ({@code openssl x509 -req}'s -sha1, -sha256 …,
     * and {@code -sigopt} pairs).
     */
    public X509Certificate issueWithOpenSsl(Path dir, byte[] csrDer, String extensions,
                                            String... signing) throws Exception {
        Files.createDirectories(dir);
        ca.save(dir.resolve("ca.pem"), dir.resolve("ca.key"));
        Files.writeString(dir.resolve("request.pem"), "-----BEGIN CERTIFICATE REQUEST-----\n"
                + java.util.Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(csrDer)
                + "\n-----END CERTIFICATE REQUEST-----\n");
        Files.writeString(dir.resolve("extensions"), extensions);
        List<String> command = new java.util.ArrayList<>(List.of("openssl", "x509", "-req",
                "-in", "request.pem", "-CA", "ca.pem", "-CAkey", "ca.key", "-set_serial", "7",
                "-days", "30", "-extfile", "extensions", "-out", "certificate.pem"));
        command.addAll(List.of(signing));
        Processes.check(command, dir);
        try (var in = Files.newInputStream(dir.resolve("certificate.pem"))) {
            return (X509Certificate) java.security.cert.CertificateFactory.getInstance("X.509")
                    .generateCertificate(in);
        }
    }

    /** {@code leaf}, then this CA, as PEM: the chain an officer imports. */
    public byte[] chainPem(X509Certificate leaf) throws Exception {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter pem = new JcaPEMWriter(out)) {
            pem.writeObject(leaf);
            pem.writeObject(ca.certificate());
        }
        return out.toString().getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * Generates {@code identity}'s key in {@code admin}, certifies it for its usage and
     * {@code validity}, imports the chain and activates the version.
     */
    public TokenVersion activateNewKey(KeyAdministration admin, String identity,
                                       KeyAlgorithm algorithm, KeyUsage usage,
                                       Duration validity) throws Exception {
        TokenVersion v = admin.generate(identity, algorithm, usage);
        X509Certificate cert = issue(admin.publicKey(v.name()), identity, usage.signs(),
                usage.decrypts(), validity);
        admin.importCertificateChain(v.name(), chainPem(cert));
        return admin.activate(v.name());
    }

    /** Writes {@code certificates} (leaf first, then this CA) as one PEM file. */
    public Path writeChain(Path file, X509Certificate leaf) throws Exception {
        try (var w = Files.newBufferedWriter(file); JcaPEMWriter pem = new JcaPEMWriter(w)) {
            pem.writeObject(leaf);
            pem.writeObject(ca.certificate());
        }
        return file;
    }
}
