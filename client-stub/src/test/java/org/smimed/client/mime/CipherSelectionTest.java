package org.smimed.client.mime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Optional;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DERNull;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.nist.NISTObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.RSAESOAEPparams;
import org.bouncycastle.asn1.smime.SMIMECapability;
import org.bouncycastle.asn1.smime.SMIMECapabilityVector;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.cms.CMSAlgorithm;
import org.junit.jupiter.api.Test;
import org.smimed.client.mime.CipherSelection.Basis;
import org.smimed.client.mime.CipherSelection.Choice;

class CipherSelectionTest {
  private static final ASN1ObjectIdentifier AES256_GCM = NISTObjectIdentifiers.id_aes256_GCM;
  private static final ASN1ObjectIdentifier AES128_GCM = NISTObjectIdentifiers.id_aes128_GCM;
  private static final ASN1ObjectIdentifier CHACHA = CMSAlgorithm.ChaCha20Poly1305;

  /** Real DER SMIMECapabilities as an S/MIME agent announces them, most preferred first. */
  private static Optional<byte[]> caps(ASN1ObjectIdentifier... oids) throws Exception {
    SMIMECapabilityVector vector = new SMIMECapabilityVector();
    for (ASN1ObjectIdentifier oid : oids) {
      vector.addCapability(oid);
    }
    return Optional.of(new DERSequence(vector.toASN1EncodableVector()).getEncoded("DER"));
  }

  @Test
  void choose_oneRecipient_takesItsFirstSupportedPreference() throws Exception {
    Choice choice = CipherSelection.choose(List.of(
        caps(SMIMECapability.dES_EDE3_CBC, CHACHA, AES256_GCM)));

    assertThat(choice).isEqualTo(new Choice(ContentCipher.CHACHA20_POLY1305, Basis.CAPABILITIES));
  }

  @Test
  void choose_severalRecipients_takesFirstPreferenceThatAllSupport() throws Exception {
    Choice choice = CipherSelection.choose(List.of(
        caps(CHACHA, SMIMECapability.aES256_CBC, AES128_GCM),
        caps(AES128_GCM, SMIMECapability.aES256_CBC)));

    assertThat(choice).isEqualTo(new Choice(ContentCipher.AES256_CBC, Basis.CAPABILITIES));
  }

  @Test
  void choose_recipientWithUnknownCapabilities_constrainsNothing() throws Exception {
    Choice choice = CipherSelection.choose(List.of(Optional.empty(), caps(AES128_GCM),
        Optional.of(new byte[0])));

    assertThat(choice).isEqualTo(new Choice(ContentCipher.AES128_GCM, Basis.CAPABILITIES));
  }

  @Test
  void choose_nothingKnown_fallsBackToAes256Gcm() throws Exception {
    assertThat(CipherSelection.choose(List.of(Optional.empty(), Optional.empty())))
        .isEqualTo(new Choice(ContentCipher.AES256_GCM, Basis.UNKNOWN_CAPABILITIES));
  }

  @Test
  void choose_noCommonSupportedCipher_fallsBackToAes256GcmAndSaysSo() throws Exception {
    Choice choice = CipherSelection.choose(List.of(
        caps(SMIMECapability.dES_EDE3_CBC, AES128_GCM),
        caps(CHACHA, SMIMECapability.rC2_CBC)));

    assertThat(choice).isEqualTo(new Choice(ContentCipher.AES256_GCM, Basis.NO_COMMON_ALGORITHM));
  }

  @Test
  void choose_onlyUnsupportedCiphers_fallsBackToAes256Gcm() throws Exception {
    Choice choice = CipherSelection.choose(List.of(
        caps(SMIMECapability.dES_EDE3_CBC, PKCSObjectIdentifiers.rsaEncryption)));

    assertThat(choice.basis()).isEqualTo(Basis.NO_COMMON_ALGORITHM);
  }

  @Test
  void supported_capabilityWithParameters_isReadByItsOid() throws Exception {
    SMIMECapabilityVector vector = new SMIMECapabilityVector();
    vector.addCapability(SMIMECapability.rC2_CBC, 128);
    vector.addCapability(SMIMECapability.aES128_CBC);
    byte[] der = new DERSequence(vector.toASN1EncodableVector()).getEncoded("DER");

    assertThat(CipherSelection.supported(der)).containsExactly(ContentCipher.AES128_CBC);
  }

  /** RSAES-OAEP as announced with {@code hash} for the OAEP hash and MGF1 (RFC 3560). */
  private static Optional<byte[]> oaepCaps(ASN1ObjectIdentifier hash, ASN1ObjectIdentifier mgf)
      throws Exception {
    SMIMECapabilityVector vector = new SMIMECapabilityVector();
    vector.addCapability(AES256_GCM);
    vector.addCapability(PKCSObjectIdentifiers.id_RSAES_OAEP, new RSAESOAEPparams(
        new AlgorithmIdentifier(hash, DERNull.INSTANCE),
        new AlgorithmIdentifier(PKCSObjectIdentifiers.id_mgf1,
            new AlgorithmIdentifier(mgf, DERNull.INSTANCE)),
        RSAESOAEPparams.DEFAULT_P_SOURCE_ALGORITHM));
    vector.addCapability(PKCSObjectIdentifiers.rsaEncryption);
    return Optional.of(new DERSequence(vector.toASN1EncodableVector()).getEncoded("DER"));
  }

  @Test
  void keyTransport_followsAnnouncedOaep_andFallsBackToPkcs1WhenAnyRecipientMayNotReadIt()
      throws Exception {
    Optional<byte[]> sha256 = oaepCaps(NISTObjectIdentifiers.id_sha256,
        NISTObjectIdentifiers.id_sha256);

    assertThat(CipherSelection.keyTransport(List.of(sha256)))
        .isEqualTo(RsaKeyTransport.OAEP_SHA256);
    assertThat(CipherSelection.keyTransport(List.of(sha256, sha256)))
        .isEqualTo(RsaKeyTransport.OAEP_SHA256);
    assertThat(CipherSelection.keyTransport(List.of(oaepCaps(NISTObjectIdentifiers.id_sha384,
        NISTObjectIdentifiers.id_sha384)))).isEqualTo(RsaKeyTransport.OAEP_SHA384);
    // RFC 3560's default parameters (absent) are SHA-1.
    SMIMECapabilityVector defaults = new SMIMECapabilityVector();
    defaults.addCapability(PKCSObjectIdentifiers.id_RSAES_OAEP);
    assertThat(CipherSelection.keyTransport(List.of(Optional.of(new DERSequence(
        defaults.toASN1EncodableVector()).getEncoded("DER")))))
        .isEqualTo(RsaKeyTransport.OAEP_SHA1);
    // One recipient unknown, or not announcing OAEP, or a different hash: PKCS#1 v1.5.
    assertThat(CipherSelection.keyTransport(List.of(sha256, Optional.empty())))
        .isEqualTo(RsaKeyTransport.PKCS1_V1_5);
    assertThat(CipherSelection.keyTransport(List.of(sha256, caps(AES256_GCM))))
        .isEqualTo(RsaKeyTransport.PKCS1_V1_5);
    assertThat(CipherSelection.keyTransport(List.of(sha256, oaepCaps(
        NISTObjectIdentifiers.id_sha512, NISTObjectIdentifiers.id_sha512))))
        .isEqualTo(RsaKeyTransport.PKCS1_V1_5);
    // MGF1 over another hash is not a combination this client sends.
    assertThat(CipherSelection.keyTransport(List.of(oaepCaps(NISTObjectIdentifiers.id_sha256,
        NISTObjectIdentifiers.id_sha512)))).isEqualTo(RsaKeyTransport.PKCS1_V1_5);
    assertThat(CipherSelection.keyTransport(List.of())).isEqualTo(RsaKeyTransport.PKCS1_V1_5);
  }

  /** Parameters it cannot read are no announcement, not a failed encryption (a review). */
  @Test
  void keyTransport_unreadableOaepEntries_areSkipped() throws Exception {
    SMIMECapabilityVector vector = new SMIMECapabilityVector();
    vector.addCapability(PKCSObjectIdentifiers.id_RSAES_OAEP, DERNull.INSTANCE);
    vector.addCapability(PKCSObjectIdentifiers.id_RSAES_OAEP, new RSAESOAEPparams(
        new AlgorithmIdentifier(NISTObjectIdentifiers.id_sha256, DERNull.INSTANCE),
        new AlgorithmIdentifier(PKCSObjectIdentifiers.id_mgf1),
        RSAESOAEPparams.DEFAULT_P_SOURCE_ALGORITHM));
    Optional<byte[]> unreadable = Optional.of(new DERSequence(vector.toASN1EncodableVector())
        .getEncoded("DER"));

    assertThat(CipherSelection.keyTransport(List.of(unreadable)))
        .isEqualTo(RsaKeyTransport.PKCS1_V1_5);
    // A readable entry after them still counts.
    vector.addCapability(PKCSObjectIdentifiers.id_RSAES_OAEP, new RSAESOAEPparams(
        new AlgorithmIdentifier(NISTObjectIdentifiers.id_sha384, DERNull.INSTANCE),
        new AlgorithmIdentifier(PKCSObjectIdentifiers.id_mgf1,
            new AlgorithmIdentifier(NISTObjectIdentifiers.id_sha384, DERNull.INSTANCE)),
        RSAESOAEPparams.DEFAULT_P_SOURCE_ALGORITHM));
    assertThat(CipherSelection.keyTransport(List.of(Optional.of(new DERSequence(
        vector.toASN1EncodableVector()).getEncoded("DER")))))
        .isEqualTo(RsaKeyTransport.OAEP_SHA384);
  }

  @Test
  void choose_malformedCapabilities_isAnError() {
    assertThatThrownBy(() -> CipherSelection.choose(List.of(Optional.of(new byte[] {4, 1, 0}))))
        .isInstanceOf(SmimeOperationException.class)
        .hasMessage("malformed SMIMECapabilities");
  }
}
