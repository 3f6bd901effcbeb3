package org.smimed.client;

import java.io.OutputStream;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.cert.X509Certificate;
import java.util.List;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.cert.jcajce.JcaCertStore;
import org.bouncycastle.cms.CMSAbsentContent;
import org.bouncycastle.cms.CMSProcessableByteArray;
import org.bouncycastle.cms.CMSSignedDataGenerator;
import org.bouncycastle.cms.CMSTypedData;
import org.bouncycastle.cms.jcajce.JcaSignerInfoGeneratorBuilder;
import org.bouncycastle.operator.DigestCalculator;
import org.bouncycastle.operator.DigestCalculatorProvider;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;
import org.smimed.client.mime.SignPayload;
import org.smimed.client.mime.SignedDataSigner;

/**
 * A stand-in for the daemon's signature: CMS SignedData made with a software key in BC. It
 * signs exactly the digest it is given (like the daemon does), so a verifier that recomputes
 * the digest from the message tests the MIME assembly, not this class.
 */
public final class SoftwareSigner implements SignedDataSigner {
  private final PrivateKey key;
  private final X509Certificate cert;
  private final Provider provider;
  private int calls;
  private SignPayload last;

  public SoftwareSigner(PrivateKey key, X509Certificate cert, Provider provider) {
    this.key = key;
    this.cert = cert;
    this.provider = provider;
  }

  @Override
  public Result sign(SignPayload payload) {
    calls++;
    last = payload;
    try {
      String alg = payload.hash().jcaName().replace("-", "") + "with"
          + (key.getAlgorithm().equals("RSA") ? "RSA" : "ECDSA");
      DigestCalculatorProvider digests = payload.content() != null
          ? new JcaDigestCalculatorProviderBuilder().setProvider(provider).build()
          : fixed(payload.digest());
      CMSSignedDataGenerator gen = new CMSSignedDataGenerator();
      gen.addSignerInfoGenerator(new JcaSignerInfoGeneratorBuilder(digests).build(
          new JcaContentSignerBuilder(alg).setProvider(provider).build(key), cert));
      gen.addCertificates(new JcaCertStore(List.of(cert)));
      CMSTypedData data = payload.content() != null
          ? new CMSProcessableByteArray(payload.content()) : new CMSAbsentContent();
      return new Result(gen.generate(data, payload.encapsulate()).getEncoded("DER"),
          payload.hash().micalg());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  public int calls() {
    return calls;
  }

  public SignPayload lastPayload() {
    return last;
  }

  /** Digest calculators that ignore their input and return the client's digest. */
  private static DigestCalculatorProvider fixed(byte[] digest) {
    return algorithm -> new DigestCalculator() {
      @Override
      public AlgorithmIdentifier getAlgorithmIdentifier() {
        return algorithm;
      }

      @Override
      public OutputStream getOutputStream() {
        return OutputStream.nullOutputStream();
      }

      @Override
      public byte[] getDigest() {
        return digest.clone();
      }
    };
  }
}
