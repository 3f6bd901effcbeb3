package org.smimed.client;

import java.io.InputStream;
import java.io.OutputStream;
import java.security.PrivateKey;
import java.security.Provider;
import org.bouncycastle.asn1.cms.CMSObjectIdentifiers;
import org.bouncycastle.asn1.cms.ContentInfo;
import org.bouncycastle.cms.CMSAuthEnvelopedData;
import org.bouncycastle.cms.CMSEnvelopedData;
import org.bouncycastle.cms.RecipientInformationStore;
import org.bouncycastle.cms.jcajce.JceKeyTransEnvelopedRecipient;
import org.smimed.client.mime.CmsDecryptor;
import org.smimed.client.mime.DecryptionReport;
import org.smimed.client.mime.SmimeOperationException;

/**
 * A stand-in for the daemon's decryption: Bouncy Castle with a software RSA key, reporting
 * itself as {@code identity}/"software". Any failure is "decryption failed", as the daemon's.
 */
public final class SoftwareDecryptor implements CmsDecryptor {
  private final PrivateKey key;
  private final Provider provider;
  private final String identity;
  private int calls;

  public SoftwareDecryptor(PrivateKey key, Provider provider, String identity) {
    this.key = key;
    this.provider = provider;
    this.identity = identity;
  }

  @Override
  public DecryptionReport decrypt(InputStream cms, OutputStream plaintext)
      throws SmimeOperationException {
    calls++;
    try {
      byte[] der = cms.readAllBytes();
      ContentInfo info = ContentInfo.getInstance(der);
      RecipientInformationStore recipients;
      String algorithm;
      if (info.getContentType().equals(CMSObjectIdentifiers.authEnvelopedData)) {
        CMSAuthEnvelopedData data = new CMSAuthEnvelopedData(der);
        recipients = data.getRecipientInfos();
        algorithm = data.getEncryptionAlgOID();
      } else {
        CMSEnvelopedData data = new CMSEnvelopedData(der);
        recipients = data.getRecipientInfos();
        algorithm = data.getEncryptionAlgOID();
      }
      plaintext.write(recipients.getRecipients().iterator().next()
          .getContent(new JceKeyTransEnvelopedRecipient(key).setProvider(provider)));
      return new DecryptionReport(identity, identity + "/software", algorithm);
    } catch (Exception e) {
      throw new SmimeOperationException("decryption failed", e);
    }
  }

  public int calls() {
    return calls;
  }
}
