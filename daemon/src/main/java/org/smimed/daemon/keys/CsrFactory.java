package org.smimed.daemon.keys;

import java.io.IOException;
import java.security.PublicKey;
import java.util.Map;
import java.util.Optional;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1String;
import org.bouncycastle.asn1.x500.AttributeTypeAndValue;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.ExtensionsGenerator;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.RuntimeOperatorException;
import org.bouncycastle.pkcs.PKCS10CertificationRequestBuilder;
import org.smimed.daemon.token.KeyAlgorithm;
import org.smimed.daemon.token.TokenException;

/**
 * Builds PKCS#10 requests (RFC 2986) for S/MIME certificates (RFC 8550): the e-mail address in
 * subjectAltName, the emailProtection extended key usage, and the key usage that fits the
 * version's usage and algorithm, requested through extensionRequest.
 *
 * <p>Security guarantee: the request is signed by the given signer, which signs in the token.
 */
final class CsrFactory {
    /** Any other attribute's bound (RFC 5280 gives none for most): a name, not a document. */
    private static final int OTHER_BOUND = 256;
    /** A whole subject's DER: a few dozen attributes at their bounds. */
    private static final int MAX_SUBJECT_BYTES = 4096;
    /** RFC 5280 appendix A.1's ub-* for the attributes a subject usually has. */
    private static final Map<ASN1ObjectIdentifier, Integer> UPPER_BOUNDS = Map.of(
            BCStyle.CN, 64, BCStyle.O, 64, BCStyle.OU, 64, BCStyle.L, 128, BCStyle.ST, 128,
            BCStyle.C, 2, BCStyle.EmailAddress, 255, BCStyle.SERIALNUMBER, 64);

    private CsrFactory() {
    }

    /**
     * {@code subject} as given; when blank, {@code inherited} (the identity's last certificate
     * subject) or else CN=email.
     */
    static byte[] build(VersionRecord version, String subject, Optional<X500Name> inherited,
                        String email, PublicKey publicKey, ContentSigner signer)
            throws InvalidKeyRequestException, TokenException {
        if (subject.codePoints().anyMatch(Character::isISOControl)) {
            // A line break in a subject printed a forged version line in smimectl list once
            // certified (an officer trial); no CA wants one either.
            throw new InvalidKeyRequestException("subject '" + subject.replaceAll(
                    "\\p{Cntrl}", "?") + "' has control characters (a line break?)");
        }
        X500Name name;
        try {
            // Read as RFC 4514 writes a name (the last RDN first), the way list, pending and
            // the policy print subjects, so a subject copied from them comes back the same;
            // Bouncy Castle's own reading took it first RDN first (found by an officer trial).
            name = !subject.isBlank() ? X500Name.getInstance(
                    new javax.security.auth.x500.X500Principal(subject).getEncoded())
                    : inherited.orElseGet(() -> new X500Name("CN=" + email));
        } catch (IllegalArgumentException e) {
            throw new InvalidKeyRequestException("subject '" + subject
                    + "' is not a distinguished name such as 'CN=Billing,O=Example'");
        }
        if (!subject.isBlank()) {
            withinUpperBounds(name);
        }
        try {
            ExtensionsGenerator extensions = new ExtensionsGenerator();
            extensions.addExtension(Extension.keyUsage, true, keyUsage(version));
            extensions.addExtension(Extension.extendedKeyUsage, false,
                    new ExtendedKeyUsage(KeyPurposeId.id_kp_emailProtection));
            extensions.addExtension(Extension.subjectAlternativeName, false,
                    new GeneralNames(new GeneralName(GeneralName.rfc822Name, email)));
            return new PKCS10CertificationRequestBuilder(name,
                    SubjectPublicKeyInfo.getInstance(publicKey.getEncoded()))
                    .addAttribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest,
                            extensions.generate())
                    .build(signer).getEncoded();
        } catch (RuntimeOperatorException e) {
            if (e.getCause() instanceof TokenException t) {
                throw t;
            }
            throw e;
        } catch (IOException e) {
            throw new IllegalStateException("DER encoding of a request failed", e);
        }
    }

    /**
     * RFC 5280 appendix A.1's upper bounds for the attributes a subject usually has: a CA
     * refuses longer ones, after the officer sent the request (a security trial's 100,000
     * character CN was signed into one).
     */
    private static void withinUpperBounds(X500Name name) throws InvalidKeyRequestException {
        for (RDN rdn : name.getRDNs()) {
            for (AttributeTypeAndValue attribute : rdn.getTypesAndValues()) {
                String type = Optional.ofNullable(BCStyle.INSTANCE.oidToDisplayName(
                        attribute.getType())).orElse(attribute.getType().getId());
                if (!(attribute.getValue() instanceof ASN1String text)) {
                    throw new InvalidKeyRequestException("subject attribute " + type
                            + " is not text (a #hex value?)");
                }
                int most = UPPER_BOUNDS.getOrDefault(attribute.getType(), OTHER_BOUND);
                int length = text.getString().codePointCount(0, text.getString().length());
                if (length > most) {
                    throw new InvalidKeyRequestException("subject attribute " + type + " has "
                            + length + " characters; "
                            + (UPPER_BOUNDS.containsKey(attribute.getType()) ? "RFC 5280"
                            : "smimed") + " allows at most " + most);
                }
            }
        }
        try {
            int bytes = name.getEncoded().length;
            if (bytes > MAX_SUBJECT_BYTES) {
                throw new InvalidKeyRequestException("subject is " + bytes + " bytes encoded;"
                        + " at most " + MAX_SUBJECT_BYTES);
            }
        } catch (IOException e) {
            throw new InvalidKeyRequestException("subject cannot be encoded: " + e.getMessage());
        }
    }

    private static KeyUsage keyUsage(VersionRecord version) {
        int bits = 0;
        if (version.usage().signs()) {
            bits |= KeyUsage.digitalSignature | KeyUsage.nonRepudiation;
        }
        if (version.usage().decrypts()) {
            bits |= version.algorithm().family() == KeyAlgorithm.Family.RSA
                    ? KeyUsage.keyEncipherment : KeyUsage.keyAgreement;
        }
        return new KeyUsage(bits);
    }
}
