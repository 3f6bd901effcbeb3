package org.smimed.client.mime;

import java.io.IOException;
import java.io.OutputStream;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Provider;
import java.security.SecureRandom;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.List;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.SubjectKeyIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.jcajce.JcaX509CertificateHolder;
import org.bouncycastle.cms.CMSAlgorithm;
import org.bouncycastle.cms.CMSAuthEnvelopedDataGenerator;
import org.bouncycastle.cms.CMSAuthEnvelopedDataStreamGenerator;
import org.bouncycastle.cms.CMSEnvelopedDataGenerator;
import org.bouncycastle.cms.CMSEnvelopedDataStreamGenerator;
import org.bouncycastle.cms.CMSException;
import org.bouncycastle.cms.CMSProcessableByteArray;
import org.bouncycastle.cms.RecipientInfoGenerator;
import org.bouncycastle.cms.jcajce.JceCMSContentEncryptorBuilder;
import org.bouncycastle.operator.jcajce.JcaAlgorithmParametersConverter;
import org.bouncycastle.cms.jcajce.JceKeyAgreeRecipientInfoGenerator;
import org.bouncycastle.cms.jcajce.JceKeyTransRecipientInfoGenerator;
import org.bouncycastle.operator.OutputAEADEncryptor;
import org.bouncycastle.operator.OutputEncryptor;

/**
 * Encrypts a MIME entity to recipients' certificates, locally (public keys only).
 *
 * <p>Guarantees: RSA recipients get key transport with PKCS#1 v1.5 or RSAES-OAEP as the
 * settings say (OAEP with MGF1 over the same hash and the empty label); EC recipients get
 * ephemeral-static ECDH with the SHA-256 X9.63 KDF and AES-256 key wrap (RFC 5753), with a fresh
 * ephemeral key on the recipient's own curve; each recipient can decrypt independently. The
 * outer (non-Content) fields of the input stay readable on the outer message.
 */
public final class EncryptedMessageWriter {
  /** BER chunk size of streamed encrypted content. */
  private static final int STREAM_CHUNK = 64 * 1024;

  private final Provider provider;
  private final SecureRandom random;

  /** @param provider a Bouncy Castle provider instance, used explicitly (never registered) */
  public EncryptedMessageWriter(Provider provider, SecureRandom random) {
    this.provider = provider;
    this.random = random;
  }

  /** Returns the whole application/pkcs7-mime message. */
  public byte[] encrypt(MimeInput input, List<X509Certificate> recipients,
      EncryptionSettings settings) throws SmimeOperationException {
    if (recipients.isEmpty()) {
      throw new SmimeOperationException("at least one recipient is required");
    }
    byte[] cms = encryptEntity(input.entity(), recipients, settings);
    return Pkcs7Mime.write(input, settings.cipher().smimeType(), cms);
  }

  /**
   * As {@link #encrypt(MimeInput, List, EncryptionSettings)} for an entity in a file, in
   * constant memory: Bouncy Castle's streaming generators encrypt the entity as it is read
   * and the BER ContentInfo is base64-encoded as it is produced.
   */
  public void encrypt(MimeFile input, List<X509Certificate> recipients,
      EncryptionSettings settings, OutputStream out) throws SmimeOperationException, IOException {
    if (recipients.isEmpty()) {
      throw new SmimeOperationException("at least one recipient is required");
    }
    ContentCipher cipher = settings.cipher();
    out.write(MimeInput.join(Pkcs7Mime.headers(input.headers(), cipher.smimeType()),
        new byte[0]));
    OutputStream base64 = StreamEncodings.base64Lines(out);
    try {
      OutputEncryptor encryptor = new JceCMSContentEncryptorBuilder(cipher.oid())
          .setProvider(provider).setSecureRandom(random).build();
      try (OutputStream cms = open(base64, encryptor, recipients, settings)) {
        input.writeEntity(cms);
      }
    } catch (CMSException | GeneralSecurityException e) {
      throw new SmimeOperationException("encryption failed: " + e.getMessage(), e);
    }
    base64.close();
  }

  private OutputStream open(OutputStream out, OutputEncryptor encryptor,
      List<X509Certificate> recipients, EncryptionSettings settings)
      throws CMSException, IOException, GeneralSecurityException, SmimeOperationException {
    if (settings.cipher().authenticated()) {
      CMSAuthEnvelopedDataStreamGenerator gen = new CMSAuthEnvelopedDataStreamGenerator();
      gen.setBufferSize(STREAM_CHUNK);
      for (X509Certificate r : recipients) {
        gen.addRecipientInfoGenerator(recipientInfo(r, settings));
      }
      return gen.open(out, (OutputAEADEncryptor) encryptor);
    }
    CMSEnvelopedDataStreamGenerator gen = new CMSEnvelopedDataStreamGenerator();
    gen.setBufferSize(STREAM_CHUNK);
    for (X509Certificate r : recipients) {
      gen.addRecipientInfoGenerator(recipientInfo(r, settings));
    }
    return gen.open(out, encryptor);
  }

  /** Returns the DER/BER ContentInfo (EnvelopedData or AuthEnvelopedData) of {@code entity}. */
  public byte[] encryptEntity(byte[] entity, List<X509Certificate> recipients,
      EncryptionSettings settings) throws SmimeOperationException {
    ContentCipher cipher = settings.cipher();
    try {
      OutputEncryptor encryptor = new JceCMSContentEncryptorBuilder(cipher.oid())
          .setProvider(provider).setSecureRandom(random).build();
      if (cipher.authenticated()) {
        CMSAuthEnvelopedDataGenerator gen = new CMSAuthEnvelopedDataGenerator();
        for (X509Certificate r : recipients) {
          gen.addRecipientInfoGenerator(recipientInfo(r, settings));
        }
        return gen.generate(new CMSProcessableByteArray(entity), (OutputAEADEncryptor) encryptor)
            .getEncoded();
      }
      CMSEnvelopedDataGenerator gen = new CMSEnvelopedDataGenerator();
      for (X509Certificate r : recipients) {
        gen.addRecipientInfoGenerator(recipientInfo(r, settings));
      }
      return gen.generate(new CMSProcessableByteArray(entity), encryptor).getEncoded();
    } catch (CMSException | IOException | GeneralSecurityException e) {
      throw new SmimeOperationException("encryption failed: " + e.getMessage(), e);
    }
  }

  private RecipientInfoGenerator recipientInfo(X509Certificate cert, EncryptionSettings settings)
      throws GeneralSecurityException, SmimeOperationException {
    RecipientIdType idType = settings.idType();
    if (cert.getPublicKey() instanceof RSAPublicKey) {
      return rsaRecipient(cert, idType, settings.rsa());
    }
    if (cert.getPublicKey() instanceof ECPublicKey ec) {
      KeyPairGenerator kpg = KeyPairGenerator.getInstance("EC", provider);
      // By the curve's name, as the certificate names it: from the certificate's parameters
      // Bouncy Castle writes the originator key with the whole curve spelled out, which
      // RFC 5480 2.1.1 forbids and RFC 5753 3.1.1 asks to match the certificate (a standards
      // review).
      ASN1Encodable curve = SubjectPublicKeyInfo.getInstance(ec.getEncoded()).getAlgorithm()
          .getParameters();
      if (curve instanceof ASN1ObjectIdentifier named) {
        kpg.initialize(new ECGenParameterSpec(named.getId()), random);
      } else {
        kpg.initialize(ec.getParams(), random);
      }
      return keyAgreeRecipient(cert, idType, CMSAlgorithm.ECDH_SHA256KDF,
          kpg.generateKeyPair());
    }
    String algorithm = cert.getPublicKey().getAlgorithm();
    if (algorithm.equals("X25519") || algorithm.equals("XDH")) {
      // RFC 8418: ephemeral-static X25519, HKDF-SHA256, AES-256 key wrap.
      return keyAgreeRecipient(cert, idType, CMSAlgorithm.ECDH_HKDF_SHA256,
          KeyPairGenerator.getInstance("X25519", provider).generateKeyPair());
    }
    throw new SmimeOperationException("unsupported recipient key type " + algorithm + " for "
        + cert.getSubjectX500Principal());
  }

  /**
   * An ephemeral-static key-agreement recipient ({@code agreement}, AES-256 key wrap) with
   * the sender's {@code ephemeral} key pair, {@code cert} named as {@code idType} says.
   */
  private RecipientInfoGenerator keyAgreeRecipient(X509Certificate cert,
      RecipientIdType idType, ASN1ObjectIdentifier agreement, KeyPair ephemeral)
      throws GeneralSecurityException, SmimeOperationException {
    var gen = new JceKeyAgreeRecipientInfoGenerator(agreement, ephemeral.getPrivate(),
        ephemeral.getPublic(), CMSAlgorithm.AES256_WRAP)
        .setProvider(provider).setSecureRandom(random);
    if (idType == RecipientIdType.SUBJECT_KEY_ID) {
      gen.addRecipient(ski(cert), cert.getPublicKey());
    } else {
      gen.addRecipient(cert);
    }
    return gen;
  }

  private RecipientInfoGenerator rsaRecipient(X509Certificate cert, RecipientIdType idType,
      RsaKeyTransport rsa) throws GeneralSecurityException, SmimeOperationException {
    boolean bySki = idType == RecipientIdType.SUBJECT_KEY_ID;
    if (!rsa.isOaep()) {
      return (bySki ? new JceKeyTransRecipientInfoGenerator(ski(cert), cert.getPublicKey())
          : new JceKeyTransRecipientInfoGenerator(cert)).setProvider(provider);
    }
    AlgorithmIdentifier oaep = new JcaAlgorithmParametersConverter()
        .getAlgorithmIdentifier(PKCSObjectIdentifiers.id_RSAES_OAEP, rsa.oaepParameters());
    return (bySki ? new JceKeyTransRecipientInfoGenerator(ski(cert), oaep, cert.getPublicKey())
        : new JceKeyTransRecipientInfoGenerator(cert, oaep)).setProvider(provider);
  }

  private static byte[] ski(X509Certificate cert) throws SmimeOperationException {
    try {
      var ski = SubjectKeyIdentifier.fromExtensions(
          new JcaX509CertificateHolder(cert).getExtensions());
      if (ski == null) {
        throw new SmimeOperationException("recipient certificate has no subjectKeyIdentifier: "
            + cert.getSubjectX500Principal());
      }
      return ski.getKeyIdentifier();
    } catch (CertificateEncodingException e) {
      throw new SmimeOperationException("cannot read recipient certificate", e);
    }
  }
}
