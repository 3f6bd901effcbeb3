package org.smimed.daemon.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;
import org.smimed.daemon.provision.DemoCertificateAuthority;

/**
 * The firm's CA in tests: certifies the public key of a PKCS#10 request made in the token,
 * after checking the request's signature, and writes chains as PEM.
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

    public X509Certificate issue(PublicKey key, String email, boolean signs, boolean decrypts,
                                 Duration validity) throws Exception {
        return ca.issueSmime(key, email, signs, decrypts, validity);
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
