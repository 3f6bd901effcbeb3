package org.smimed.daemon.keys;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;

/**
 * A chain checked at a moment one of its CAs was not valid says when it was checked and what
 * that CA allows: an archive import is checked as of its leaf's last valid moment, and an
 * officer trial importing a 2021 key issued under a CA made this year read only "validity
 * check failed" for a CA valid today.
 */
class ChainValidityTest {
    private static final Instant NOW = Instant.parse("2026-12-01T00:00:00Z");
    private static final Instant LEAF_END = Instant.parse("2021-01-01T00:00:00Z");

    @Test
    void aCaNotValidWhenTheChainIsChecked_isNamedWithTheMomentAndItsDates() throws Exception {
        KeyPair root = key();
        KeyPair issuing = key();
        X509Certificate rootCert = certificate("CN=Root", root.getPublic(), "CN=Root",
                root.getPrivate(), NOW.minusSeconds(86400), NOW.plusSeconds(86400 * 3650), true);
        Instant caStart = NOW.minusSeconds(3600);
        X509Certificate caCert = certificate("CN=Issuing", issuing.getPublic(), "CN=Root",
                root.getPrivate(), caStart, NOW.plusSeconds(86400 * 365), true);
        X509Certificate leaf = certificate("CN=Carol", key().getPublic(), "CN=Issuing",
                issuing.getPrivate(), LEAF_END.minusSeconds(86400 * 365), LEAF_END, false);

        assertThatThrownBy(() -> CertificateChecks.chainBuilds(List.of(leaf, caCert, rootCert),
                LEAF_END))
                .isInstanceOf(InvalidKeyRequestException.class)
                .hasMessageStartingWith("the certificate chain does not build at certificate 2"
                        + " ('CN=Issuing', issued by 'CN=Root'): ")
                .hasMessageEndingWith(" (checked as of " + LEAF_END + "; it is valid from "
                        + caStart + " to " + NOW.plusSeconds(86400 * 365) + ")");
    }

    private static KeyPair key() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(256);
        return generator.generateKeyPair();
    }

    private static X509Certificate certificate(String subject, PublicKey key, String issuer,
                                               PrivateKey issuerKey, Instant from, Instant to,
                                               boolean ca) throws Exception {
        var builder = new JcaX509v3CertificateBuilder(new X500Name(issuer),
                BigInteger.valueOf(from.toEpochMilli()), Date.from(from), Date.from(to),
                new X500Name(subject), key);
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
        if (ca) {
            builder.addExtension(Extension.keyUsage, true,
                    new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        }
        return new JcaX509CertificateConverter().getCertificate(builder.build(
                new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKey)));
    }
}
