package org.smimed.client;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.cert.X509Certificate;
import java.util.List;
import org.bouncycastle.cert.jcajce.JcaCertStore;
import org.bouncycastle.cms.CMSException;
import org.bouncycastle.cms.CMSSignedDataStreamGenerator;
import org.bouncycastle.cms.jcajce.JcaSignerInfoGeneratorBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;
import org.smimed.client.mime.ContentStreamSigner;
import org.smimed.client.mime.SignedDataSigner;

/**
 * A software stand-in for the daemon's SignStream: Bouncy Castle's
 * CMSSignedDataStreamGenerator with a software key, fed the content as it is written and
 * writing the SignedData as it goes. Counts the output written while content was still
 * arriving, so tests can tell a streaming caller from one that buffers.
 */
public final class SoftwareStreamSigner implements ContentStreamSigner {
  private final PrivateKey key;
  private final X509Certificate cert;
  private final Provider provider;
  private long contentBytes;
  private long outputWhileContentArrived;

  public SoftwareStreamSigner(PrivateKey key, X509Certificate cert, Provider provider) {
    this.key = key;
    this.cert = cert;
    this.provider = provider;
  }

  @Override
  public SignedDataSigner.Result sign(HashAlgorithm hash, boolean encapsulate,
      ContentWriter content, OutputStream encapsulated) throws IOException {
    ByteArrayOutputStream detached = new ByteArrayOutputStream();
    OutputStream target = encapsulate ? encapsulated : detached;
    long[] written = new long[1];
    OutputStream counting = new OutputStream() {
      @Override
      public void write(int b) throws IOException {
        target.write(b);
        written[0]++;
      }

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        target.write(b, off, len);
        written[0] += len;
      }
    };
    try (OutputStream signing = generator(hash).open(counting, encapsulate)) {
      content.writeTo(new OutputStream() {
        @Override
        public void write(int b) throws IOException {
          write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
          signing.write(b, off, len);
          contentBytes += len;
          outputWhileContentArrived = written[0];
        }
      });
    }
    return new SignedDataSigner.Result(detached.toByteArray(), hash.micalg());
  }

  private CMSSignedDataStreamGenerator generator(HashAlgorithm hash) throws IOException {
    try {
      String alg = hash.jcaName().replace("-", "") + "with"
          + (key.getAlgorithm().equals("RSA") ? "RSA" : "ECDSA");
      CMSSignedDataStreamGenerator generator = new CMSSignedDataStreamGenerator();
      generator.addSignerInfoGenerator(new JcaSignerInfoGeneratorBuilder(
          new JcaDigestCalculatorProviderBuilder().setProvider(provider).build())
          .build(new JcaContentSignerBuilder(alg).setProvider(provider).build(key), cert));
      generator.addCertificates(new JcaCertStore(List.of(cert)));
      return generator;
    } catch (OperatorCreationException | CMSException | java.security.cert.CertificateException e) {
      throw new IOException(e);
    }
  }

  /** Content bytes received in the last call. */
  public long contentBytes() {
    return contentBytes;
  }

  /** Output bytes written before the last content byte arrived. */
  public long outputWhileContentArrived() {
    return outputWhileContentArrived;
  }
}
