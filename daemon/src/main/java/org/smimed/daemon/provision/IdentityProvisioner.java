package org.smimed.daemon.provision;

import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.SubjectKeyIdentifier;
import org.bouncycastle.asn1.ASN1OctetString;
import org.smimed.daemon.token.KeyAlgorithm;
import org.smimed.daemon.token.KeyUsage;
import org.smimed.daemon.token.TokenException;
import org.smimed.daemon.token.TokenObjects;

/**
 * Creates a ready-to-use identity: a key pair generated inside the token, certified by a CA,
 * with the certificate (and the CA's) stored beside it on the token.
 *
 * <p>Security guarantee: the private key is generated in the token and never exists outside
 * it; only the public key goes to the CA.
 */
public final class IdentityProvisioner {
    private final TokenObjects objects;

    public IdentityProvisioner(TokenObjects objects) {
        this.objects = objects;
    }

    /** What was made: the key version's label and its certificate. */
    public record Provisioned(String label, X509Certificate certificate) {}

    /**
     * Provisions {@code email} with a new key version labelled {@code email + "/v1"}, unless a
     * key with that label already exists.
     */
    public Provisioned provision(String email, KeyAlgorithm algorithm, KeyUsage usage,
                                 DemoCertificateAuthority ca, Duration validity)
            throws TokenException, GeneralSecurityException {
        String label = email + "/v1";
        if (objects.hasPrivateKey(label)) {
            throw new TokenException(TokenException.Kind.REJECTED,
                    "a key labelled '" + label + "' already exists");
        }
        TokenObjects.GeneratedKey key = objects.generate(label, algorithm, usage);
        X509Certificate certificate = ca.issueSmime(key.publicKey(), email, usage.signs(),
                usage.decrypts(), validity);
        storeCa(ca.certificate());
        objects.storeCertificate(key.id(), label, certificate);
        return new Provisioned(label, certificate);
    }

    /** Stores the CA certificate once, so the key store can build chains from the token. */
    private void storeCa(X509Certificate ca) throws TokenException {
        String label = "ca:" + ca.getSubjectX500Principal().getName();
        if (objects.hasCertificate(label)) {
            return;
        }
        byte[] ski = ASN1OctetString.getInstance(
                ca.getExtensionValue(Extension.subjectKeyIdentifier.getId())).getOctets();
        objects.storeCertificate(SubjectKeyIdentifier.getInstance(ski).getKeyIdentifier(), label,
                ca);
    }
}
