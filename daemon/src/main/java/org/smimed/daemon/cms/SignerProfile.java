package org.smimed.daemon.cms;

import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DERSet;
import org.bouncycastle.asn1.cms.Attribute;
import org.bouncycastle.asn1.cms.IssuerAndSerialNumber;
import org.bouncycastle.asn1.ess.ESSCertIDv2;
import org.bouncycastle.asn1.ess.SigningCertificateV2;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.smime.SMIMECapabilitiesAttribute;
import org.bouncycastle.asn1.smime.SMIMEEncryptionKeyPreferenceAttribute;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.IssuerSerial;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateHolder;
import org.smimed.daemon.keys.KeyVersion;

/**
 * What every signature of one key version carries, DER-encoded once for
 * {@link SignedDataAssembler}: the chain to include, the signer identifier, and the signed
 * attributes that do not change per message (SMIMECapabilities, signingCertificateV2 and,
 * when the identity has a key to encrypt to, SMIMEEncryptionKeyPreference and Microsoft's
 * encryption key preference).
 */
final class SignerProfile {
    /** szOID_MICROSOFT_Encryption_Key_Preference: IssuerAndSerialNumber of the certificate. */
    static final ASN1ObjectIdentifier MICROSOFT_ENCRYPTION_KEY_PREFERENCE =
            new ASN1ObjectIdentifier("1.3.6.1.4.1.311.16.4");

    private final byte[] certificatesDer;
    private final byte[] signerIdentifierDer;
    private final byte[] smimeCapabilitiesDer;
    private final byte[] signingCertificateV2Der;
    private final List<byte[]> encryptionKeyPreferencesDer;

    private SignerProfile(List<X509CertificateHolder> holders, Attribute smimeCapabilities,
                          Attribute signingCertificateV2,
                          List<Attribute> encryptionKeyPreferences) throws IOException {
        // A SET OF: each certificate once, even where the two chains share their CAs.
        Map<String, byte[]> encoded = new LinkedHashMap<>();
        for (X509CertificateHolder holder : holders) {
            byte[] der = holder.getEncoded();
            encoded.putIfAbsent(HexFormat.of().formatHex(der), der);
        }
        this.certificatesDer = Der.setContents(List.copyOf(encoded.values()));
        this.signerIdentifierDer = SignedDataAssembler.der(
                new IssuerAndSerialNumber(holders.get(0).toASN1Structure()));
        this.smimeCapabilitiesDer = SignedDataAssembler.der(smimeCapabilities);
        this.signingCertificateV2Der = SignedDataAssembler.der(signingCertificateV2);
        List<byte[]> preferences = new ArrayList<>();
        for (Attribute preference : encryptionKeyPreferences) {
            preferences.add(SignedDataAssembler.der(preference));
        }
        this.encryptionKeyPreferencesDer = List.copyOf(preferences);
    }

    /**
     * The profile of {@code key}; {@code encryption} is the identity's encryption version, if
     * it has one: {@code key} itself, or another key. RFC 8551 section 2.5 asks sending agents
     * for SMIMEEncryptionKeyPreference in every message, and 2.5.3 above all when the
     * encryption certificate is not the signing one; its certificate is included, so that a
     * correspondent who receives signed mail knows which certificate to encrypt replies to.
     * Microsoft's own attribute says the same for Outlook, which writes and reads it; NSS
     * (Thunderbird) writes both too.
     */
    static SignerProfile of(KeyVersion key, Optional<KeyVersion> encryption,
                            SmimeCapabilities capabilities) {
        try {
            List<X509CertificateHolder> holders = holders(key);
            List<Attribute> preferences = new ArrayList<>();
            if (encryption.isPresent()) {
                List<X509CertificateHolder> other = holders(encryption.get());
                holders.addAll(other);
                IssuerAndSerialNumber named =
                        new IssuerAndSerialNumber(other.get(0).toASN1Structure());
                preferences.add(new SMIMEEncryptionKeyPreferenceAttribute(named));
                preferences.add(new Attribute(MICROSOFT_ENCRYPTION_KEY_PREFERENCE,
                        new DERSet(named)));
            }
            return new SignerProfile(holders,
                    new SMIMECapabilitiesAttribute(capabilities.vector(encryption)),
                    signingCertificateV2(holders.get(0)), preferences);
        } catch (CertificateEncodingException | IOException | NoSuchAlgorithmException e) {
            throw new IllegalStateException("cannot prepare signer " + key.id(), e);
        }
    }

    private static List<X509CertificateHolder> holders(KeyVersion key)
            throws CertificateEncodingException {
        List<X509CertificateHolder> holders = new ArrayList<>();
        for (X509Certificate c : key.chain()) {
            holders.add(new JcaX509CertificateHolder(c));
        }
        return holders;
    }

    /** RFC 5035: binds the signature to this exact certificate (SHA-256, the default hash). */
    private static Attribute signingCertificateV2(X509CertificateHolder leaf)
            throws IOException, NoSuchAlgorithmException {
        byte[] hash = MessageDigest.getInstance("SHA-256").digest(leaf.getEncoded());
        IssuerSerial issuerSerial = new IssuerSerial(
                new GeneralNames(new GeneralName(X500Name.getInstance(leaf.getIssuer()))),
                leaf.getSerialNumber());
        SigningCertificateV2 value = new SigningCertificateV2(
                new ESSCertIDv2[] {new ESSCertIDv2(hash, issuerSerial)});
        return new Attribute(PKCSObjectIdentifiers.id_aa_signingCertificateV2, new DERSet(value));
    }

    /** The chain's certificates, DER, in SET OF order: the contents of SignedData.certificates. */
    byte[] certificatesDer() {
        return certificatesDer;
    }

    /** The SignerIdentifier (IssuerAndSerialNumber of the leaf), DER. */
    byte[] signerIdentifierDer() {
        return signerIdentifierDer;
    }

    byte[] smimeCapabilitiesDer() {
        return smimeCapabilitiesDer;
    }

    byte[] signingCertificateV2Der() {
        return signingCertificateV2Der;
    }

    /**
     * SMIMEEncryptionKeyPreference and Microsoft's attribute of the same meaning, when the
     * identity has a key to encrypt to; otherwise empty.
     */
    List<byte[]> encryptionKeyPreferencesDer() {
        return encryptionKeyPreferencesDer;
    }
}
