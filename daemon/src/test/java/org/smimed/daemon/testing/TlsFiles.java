package org.smimed.daemon.testing;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.smimed.daemon.provision.DemoCertificateAuthority;

/**
 * Real PEM files where a config needs a TLS certificate and key to be what their keys say but
 * no test connects: a self-signed P-256 certificate and its PKCS#8 key.
 */
public final class TlsFiles {
    private TlsFiles() {
    }

    /** Writes a fresh self-signed certificate to {@code certificate} and its key to {@code key}. */
    public static void write(Path certificate, Path key) throws IOException {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            KeyPair pair = generator.generateKeyPair();
            Instant now = Instant.now();
            X500Name name = new X500Name("CN=smimed test");
            X509Certificate cert = new JcaX509CertificateConverter().getCertificate(
                    new JcaX509v3CertificateBuilder(name, BigInteger.ONE,
                            Date.from(now.minus(Duration.ofHours(1))),
                            Date.from(now.plus(Duration.ofDays(2))), name, pair.getPublic())
                            .build(new JcaContentSignerBuilder("SHA256withECDSA")
                                    .build(pair.getPrivate())));
            DemoCertificateAuthority.Pem.write(certificate, cert);
            DemoCertificateAuthority.Pem.writePrivate(key, pair.getPrivate());
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Writes a fresh self-signed certificate to {@code certificate} (for client CA files). */
    public static void writeCertificate(Path certificate) throws IOException {
        Path key = certificate.resolveSibling(certificate.getFileName() + ".key");
        write(certificate, key);
    }
}
