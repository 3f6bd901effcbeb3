package org.smimed.client;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.X509Certificate;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

/**
 * Checks the TLS files before any connection: that the CA file holds certificates, and that a
 * mutual-TLS client key belongs to its certificate. Why: gRPC reports a CA file that is not
 * PEM as the failure of every channel provider it has ("No functional channel service
 * provider found", found by a CLI review), and with a mismatched pair the server ends the
 * handshake and gRPC reports only "UNAVAILABLE: io exception" with Netty's pipeline, which
 * says nothing of the cause; two key files side by side (client.key, officer.key) make the
 * mistake easy.
 */
final class TlsFileCheck {
  private TlsFileCheck() {}

  /** Throws when {@code caPem} does not begin with a PEM certificate. */
  static void requireCertificate(Path caPem) throws IOException {
    certificate(caPem);
  }

  /** Throws when the first certificate of {@code certPem} is not for the key in {@code keyPem}. */
  static void requireMatch(Path certPem, Path keyPem) throws IOException {
    X509Certificate certificate = certificate(certPem);
    PrivateKey key = key(keyPem);
    String algorithm = switch (key.getAlgorithm()) {
      case "RSA" -> "SHA256withRSA";
      case "EC", "ECDSA" -> "SHA256withECDSA";
      case "Ed25519", "EdDSA" -> "Ed25519";
      default -> null;
    };
    if (algorithm == null) {
      return; // a kind this check does not know: the handshake decides
    }
    try {
      byte[] challenge = new byte[32];
      new SecureRandom().nextBytes(challenge);
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(key);
      signer.update(challenge);
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(certificate.getPublicKey());
      verifier.update(challenge);
      if (verifier.verify(signer.sign())) {
        return;
      }
    } catch (GeneralSecurityException e) {
      // A key of another kind than the certificate's: a mismatch as well.
    }
    throw new IOException("the client key " + keyPem + " does not belong to the certificate "
        + certPem);
  }

  private static X509Certificate certificate(Path pem) throws IOException {
    try (Reader r = Files.newBufferedReader(pem); PEMParser parser = new PEMParser(r)) {
      Object first = parser.readObject();
      if (!(first instanceof X509CertificateHolder holder)) {
        throw new IOException("no certificate in " + pem);
      }
      return new JcaX509CertificateConverter().getCertificate(holder);
    } catch (java.security.cert.CertificateException e) {
      throw new IOException("cannot read the certificate in " + pem, e);
    }
  }

  private static PrivateKey key(Path pem) throws IOException {
    try (Reader r = Files.newBufferedReader(pem); PEMParser parser = new PEMParser(r)) {
      Object first = parser.readObject();
      JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
      if (first instanceof PrivateKeyInfo info) {
        return converter.getPrivateKey(info);
      }
      if (first instanceof PEMKeyPair pair) {
        return converter.getKeyPair(pair).getPrivate();
      }
      throw new IOException("no unencrypted private key in " + pem);
    }
  }
}
