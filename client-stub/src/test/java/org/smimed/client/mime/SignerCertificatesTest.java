package org.smimed.client.mime;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;

/**
 * Which trusted certificates may vouch for others: what OpenSSL's X509_check_ca takes as a
 * CA, so that a correspondent's pinned certificate vouches only for itself.
 */
class SignerCertificatesTest {
  private static final KeyPair KEY = key();

  @Test
  void aCaByBasicConstraints_mayIssue_unlessItsKeyUsageLacksKeyCertSign() throws Exception {
    assertThat(SignerCertificates.mayIssue(cert(true, null))).isTrue();
    assertThat(SignerCertificates.mayIssue(cert(true, KeyUsage.keyCertSign))).isTrue();
    assertThat(SignerCertificates.mayIssue(cert(true, KeyUsage.digitalSignature))).isFalse();
  }

  @Test
  void anEndEntity_mayNotIssue_evenWithKeyCertSign() throws Exception {
    assertThat(SignerCertificates.mayIssue(cert(false, null))).isFalse();
    assertThat(SignerCertificates.mayIssue(cert(false, KeyUsage.keyCertSign))).isFalse();
  }

  /** Old roots without basicConstraints: OpenSSL takes a key usage with keyCertSign. */
  @Test
  void noBasicConstraints_mayIssueOnlyWithKeyCertSign() throws Exception {
    assertThat(SignerCertificates.mayIssue(cert(null, KeyUsage.keyCertSign))).isTrue();
    assertThat(SignerCertificates.mayIssue(cert(null, KeyUsage.digitalSignature))).isFalse();
    assertThat(SignerCertificates.mayIssue(cert(null, null))).isFalse();
  }

  /** A self-signed certificate with the given basicConstraints CA flag and key usage. */
  private static X509Certificate cert(Boolean ca, Integer usage) throws Exception {
    X500Name name = new X500Name("CN=anchor");
    X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, BigInteger.ONE,
        new Date(System.currentTimeMillis() - 60_000),
        new Date(System.currentTimeMillis() + 86_400_000), name, KEY.getPublic());
    if (ca != null) {
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
    }
    if (usage != null) {
      b.addExtension(Extension.keyUsage, true, new KeyUsage(usage));
    }
    return new JcaX509CertificateConverter().getCertificate(
        b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(KEY.getPrivate())));
  }

  private static KeyPair key() {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(256);
      return g.generateKeyPair();
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
