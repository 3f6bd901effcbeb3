package org.smimed.client;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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

  /**
   * PEM CERTIFICATE blocks as Netty, which reads the file for gRPC, finds them: anywhere in
   * the file, whatever else is around them (comments, other blocks, any encoding).
   */
  private static final Pattern CERTIFICATE_BLOCK = Pattern.compile(
      "-----BEGIN CERTIFICATE-----\\s*([A-Za-z0-9+/=\\s]+?)-----END CERTIFICATE-----");

  /** Throws when {@code caPem} holds no PEM certificate that parses. */
  static void requireCertificate(Path caPem) throws IOException {
    String text = new String(Files.readAllBytes(caPem), StandardCharsets.ISO_8859_1);
    Matcher block = CERTIFICATE_BLOCK.matcher(text);
    if (!block.find()) {
      throw new IOException("no certificate in " + caPem);
    }
    try {
      CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(
          Base64.getMimeDecoder().decode(block.group(1))));
    } catch (CertificateException | IllegalArgumentException e) {
      throw new IOException("cannot read the certificate in " + caPem, e);
    }
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
