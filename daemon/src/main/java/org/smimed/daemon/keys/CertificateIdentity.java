package org.smimed.daemon.keys;

import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.IETFUtils;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.ECNamedCurveTable;
import org.smimed.daemon.token.KeyAlgorithm;

/** What a certificate says about its key's owner and algorithm. */
public final class CertificateIdentity {
    private static final int SAN_RFC822 = 1;
    private static final int KU_DIGITAL_SIGNATURE = 0;
    private static final int KU_NON_REPUDIATION = 1;
    private static final int KU_KEY_ENCIPHERMENT = 2;
    private static final int KU_KEY_AGREEMENT = 4;

    private CertificateIdentity() {
    }

    /**
     * The e-mail address S/MIME binds the certificate to (RFC 8550 section 3): the first
     * rfc822Name in subjectAltName, else the legacy emailAddress attribute of the subject.
     */
    static Optional<String> email(X509Certificate certificate) {
        try {
            Collection<List<?>> names = certificate.getSubjectAlternativeNames();
            if (names != null) {
                for (List<?> name : names) {
                    if (((Integer) name.get(0)) == SAN_RFC822) {
                        return Optional.of(normalise((String) name.get(1)));
                    }
                }
            }
        } catch (CertificateParsingException e) {
            return Optional.empty();
        }
        X500Name subject = X500Name.getInstance(certificate.getSubjectX500Principal().getEncoded());
        for (RDN rdn : subject.getRDNs(PKCSObjectIdentifiers.pkcs_9_at_emailAddress)) {
            return Optional.of(normalise(IETFUtils.valueToString(rdn.getFirst().getValue())));
        }
        return Optional.empty();
    }

    public static String normalise(String email) {
        return email.trim().toLowerCase(Locale.ROOT);
    }

    /** id-RSASSA-PSS (RFC 4055): an RSA public key restricted to PSS signatures. */
    private static final String RSASSA_PSS = "1.2.840.113549.1.1.10";

    static KeyAlgorithm algorithm(X509Certificate certificate) {
        String oid = SubjectPublicKeyInfo.getInstance(certificate.getPublicKey().getEncoded())
                .getAlgorithm().getAlgorithm().getId();
        if (oid.equals(RSASSA_PSS)) {
            // The JDK calls it RSA too; without this it failed later, as an InvalidKeyException
            // (found by an import trial).
            throw new IllegalArgumentException("unsupported key: RSASSA-PSS (an RSA key"
                    + " restricted to PSS signatures; certify it as rsaEncryption, which signs"
                    + " with PSS too)");
        }
        if (certificate.getPublicKey() instanceof RSAPublicKey rsa) {
            int bits = rsa.getModulus().bitLength();
            try {
                return KeyAlgorithm.of(KeyAlgorithm.Family.RSA, bits, null);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unsupported key: RSA of " + bits + " bits");
            }
        }
        if (certificate.getPublicKey() instanceof ECPublicKey) {
            SubjectPublicKeyInfo info = SubjectPublicKeyInfo.getInstance(
                    certificate.getPublicKey().getEncoded());
            if (!(info.getAlgorithm().getParameters() instanceof ASN1ObjectIdentifier curve)) {
                throw new IllegalArgumentException(
                        "unsupported key: EC with explicit curve parameters");
            }
            try {
                return KeyAlgorithm.of(KeyAlgorithm.Family.EC, 0, curve.getId());
            } catch (IllegalArgumentException e) {
                String name = ECNamedCurveTable.getName(curve);
                throw new IllegalArgumentException("unsupported key: EC on the curve "
                        + (name == null ? "" : name + " ") + "(" + curve.getId() + ")");
            }
        }
        for (KeyAlgorithm a : List.of(KeyAlgorithm.ED25519, KeyAlgorithm.X25519)) {
            if (a.edwardsOid().equals(oid)) {
                return a;
            }
        }
        // "EdDSA" and "XDH" name Ed25519 and X25519 too: say which curve it is.
        throw new IllegalArgumentException("unsupported key: " + switch (oid) {
            case "1.3.101.113" -> "Ed448";
            case "1.3.101.111" -> "X448";
            default -> certificate.getPublicKey().getAlgorithm() + " (" + oid + ")";
        });
    }

    /** Whether the certificate lets its key sign; no keyUsage extension means any use. */
    static boolean allowsSigning(X509Certificate certificate) {
        boolean[] usage = certificate.getKeyUsage();
        return usage == null || usage[KU_DIGITAL_SIGNATURE] || usage[KU_NON_REPUDIATION];
    }

    /** Whether the certificate lets its key receive encrypted mail. */
    static boolean allowsDecryption(X509Certificate certificate) {
        boolean[] usage = certificate.getKeyUsage();
        return usage == null || usage[KU_KEY_ENCIPHERMENT] || usage[KU_KEY_AGREEMENT];
    }
}
