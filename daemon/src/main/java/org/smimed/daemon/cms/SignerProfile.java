package org.smimed.daemon.cms;

import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.DERSet;
import org.bouncycastle.asn1.cms.Attribute;
import org.bouncycastle.asn1.ess.ESSCertIDv2;
import org.bouncycastle.asn1.ess.SigningCertificateV2;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.smime.SMIMECapabilitiesAttribute;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.IssuerSerial;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateHolder;
import org.bouncycastle.util.CollectionStore;
import org.bouncycastle.util.Store;
import org.smimed.daemon.keys.KeyVersion;

/**
 * What every signature of one key version carries, computed once: the certificate in Bouncy
 * Castle form, the chain to include, and the signed attributes that do not change per message
 * (SMIMECapabilities and signingCertificateV2).
 */
final class SignerProfile {
    private final X509CertificateHolder certificate;
    private final Store<X509CertificateHolder> chain;
    private final Attribute smimeCapabilities;
    private final Attribute signingCertificateV2;

    private SignerProfile(X509CertificateHolder certificate, Store<X509CertificateHolder> chain,
                          Attribute smimeCapabilities, Attribute signingCertificateV2) {
        this.certificate = certificate;
        this.chain = chain;
        this.smimeCapabilities = smimeCapabilities;
        this.signingCertificateV2 = signingCertificateV2;
    }

    static SignerProfile of(KeyVersion key) {
        try {
            List<X509CertificateHolder> holders = new ArrayList<>();
            for (X509Certificate c : key.chain()) {
                holders.add(new JcaX509CertificateHolder(c));
            }
            X509CertificateHolder leaf = holders.get(0);
            return new SignerProfile(leaf, new CollectionStore<>(holders),
                    new SMIMECapabilitiesAttribute(SmimeCapabilities.vector()), signingCertificateV2(leaf));
        } catch (CertificateEncodingException | IOException | NoSuchAlgorithmException e) {
            throw new IllegalStateException("cannot prepare signer " + key.id(), e);
        }
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

    X509CertificateHolder certificate() {
        return certificate;
    }

    Store<X509CertificateHolder> chain() {
        return chain;
    }

    Attribute smimeCapabilities() {
        return smimeCapabilities;
    }

    Attribute signingCertificateV2() {
        return signingCertificateV2;
    }
}
