package org.smimed.daemon.config;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CRLException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMException;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/**
 * Reads the PEM files the configuration names for TLS: certificates (a server chain, client
 * CAs) and the server's private key. The config loader checks them with this, so
 * {@code smimed check-config} finds a file that is not what its key says, and the listeners
 * are built from what it returns, so serve reads them the same way.
 */
public final class PemFiles {
    private PemFiles() {
    }

    /** The PEM certificates in {@code file}, in order; at least one. */
    public static List<X509Certificate> certificates(String configKey, Path file)
            throws ConfigFileException {
        List<X509Certificate> certificates;
        try (InputStream in = Files.newInputStream(file)) {
            certificates = CertificateFactory.getInstance("X.509").generateCertificates(in)
                    .stream().map(X509Certificate.class::cast).toList();
        } catch (CertificateException e) {
            throw new ConfigFileException(configKey, file, "not PEM certificates", e);
        } catch (IOException e) {
            throw unreadable(configKey, file, e);
        }
        if (certificates.isEmpty()) {
            throw new ConfigFileException(configKey, file, "no PEM certificate in it");
        }
        return certificates;
    }

    /**
     * As {@link #certificates}, each of them a CA: a certificate whose basicConstraints say
     * it is not one (a client's own certificate put there by mistake) cannot be the issuer of
     * any client certificate, so every client would be refused; nor can a v3 certificate
     * issued by another CA without the extension. A self-issued certificate without it (an old
     * v1 root, or a root made without extensions) is taken as it is.
     */
    public static List<X509Certificate> caCertificates(String configKey, Path file)
            throws ConfigFileException {
        List<X509Certificate> certificates = certificates(configKey, file);
        for (X509Certificate c : certificates) {
            boolean stated = c.getExtensionValue(BASIC_CONSTRAINTS) != null;
            // RFC 5280 4.2.1.9: a CA certificate below a root carries basicConstraints
            // CA:TRUE, so one issued by another without it is a leaf (found by an operator
            // trial). A self-issued one may be a root made without extensions: a trust anchor
            // as it is.
            boolean selfIssued = c.getSubjectX500Principal().equals(c.getIssuerX500Principal());
            if (stated ? c.getBasicConstraints() < 0 : c.getVersion() >= 3 && !selfIssued) {
                throw new ConfigFileException(configKey, file, "'"
                        + c.getSubjectX500Principal().getName() + "' is not a CA certificate"
                        + (stated ? " (basicConstraints CA:FALSE)"
                                : " (issued by another without basicConstraints CA:TRUE)")
                        + ": give the CA certificates that issue"
                        + (configKey.startsWith("tls.") ? " the clients' certificates"
                                : " the certificates it checks"));
            }
        }
        return certificates;
    }

    /** The certificate revocation lists in {@code file}, PEM or DER; at least one. */
    public static List<X509CRL> crls(String configKey, Path file) throws ConfigFileException {
        List<X509CRL> crls;
        try (InputStream in = Files.newInputStream(file)) {
            crls = CertificateFactory.getInstance("X.509").generateCRLs(in).stream()
                    .map(X509CRL.class::cast).toList();
        } catch (CRLException | CertificateException e) {
            throw new ConfigFileException(configKey, file, "not a PEM or DER CRL", e);
        } catch (IOException e) {
            throw unreadable(configKey, file, e);
        }
        if (crls.isEmpty()) {
            throw new ConfigFileException(configKey, file, "no CRL in it");
        }
        return crls;
    }

    private static final String BASIC_CONSTRAINTS = "2.5.29.19";

    /** The one unencrypted private key in {@code file}: PKCS#8, or PKCS#1 RSA or SEC 1 EC. */
    public static PrivateKey privateKey(String configKey, Path file) throws ConfigFileException {
        Object parsed;
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.ISO_8859_1);
             PEMParser pem = new PEMParser(in)) {
            parsed = pem.readObject();
        } catch (IOException e) {
            // PEMParser says IOException for a malformed PEM block as for a failed read.
            if (e instanceof PEMException || e.getCause() != null
                    && !(e.getCause() instanceof IOException)) {
                throw new ConfigFileException(configKey, file, "not a PEM private key", e);
            }
            throw unreadable(configKey, file, e);
        }
        if (parsed instanceof PKCS8EncryptedPrivateKeyInfo
                || parsed instanceof PEMEncryptedKeyPair) {
            throw new ConfigFileException(configKey, file,
                    "an encrypted private key; give it unencrypted (PKCS#8), mode 600");
        }
        try {
            JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
            if (parsed instanceof PrivateKeyInfo info) {
                return converter.getPrivateKey(info);
            }
            if (parsed instanceof PEMKeyPair pair) {
                return converter.getKeyPair(pair).getPrivate();
            }
        } catch (PEMException e) {
            throw new ConfigFileException(configKey, file, "not a usable private key", e);
        }
        throw new ConfigFileException(configKey, file, "not a PEM private key");
    }

    /**
     * Checks that the private key in {@code keyFile} goes with the first certificate in
     * {@code chainFile}, by signing with one and verifying with the other: a TLS library may
     * take a mismatched pair and fail only in the handshake.
     */
    public static void requireMatchingKey(String chainKey, Path chainFile, String keyKey,
                                          Path keyFile) throws ConfigFileException {
        X509Certificate leaf = certificates(chainKey, chainFile).get(0);
        PrivateKey key = privateKey(keyKey, keyFile);
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "Ed25519", "Ed448", "EdDSA" -> key.getAlgorithm();
            default -> null; // an unusual key type: the TLS library decides
        };
        if (algorithm == null) {
            return;
        }
        byte[] probe = "smimed TLS key check".getBytes(StandardCharsets.US_ASCII);
        boolean matches;
        try {
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(leaf.getPublicKey());
            verifier.update(probe);
            matches = verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            matches = false;
        }
        if (!matches) {
            throw new ConfigFileException(keyKey, keyFile, "not the key of the first"
                    + " certificate in " + chainKey + " " + chainFile);
        }
    }

    private static ConfigFileException unreadable(String configKey, Path file, IOException e) {
        String reason;
        if (e instanceof AccessDeniedException) {
            reason = "permission denied";
        } else if (e instanceof NoSuchFileException) {
            reason = "no such file";
        } else {
            reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        }
        return new ConfigFileException(configKey, file, "cannot read: " + reason, e);
    }
}
