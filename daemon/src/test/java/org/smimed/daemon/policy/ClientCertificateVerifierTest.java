package org.smimed.daemon.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Which client certificate chains identify a caller (found by a security trial). */
class ClientCertificateVerifierTest {
    private static final Instant NOW = Instant.parse("2026-12-01T00:00:00Z");
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
    private static KeyPair caKey;
    private static KeyPair clientKey;

    @BeforeAll
    static void keys() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(256);
        caKey = generator.generateKeyPair();
        clientKey = generator.generateKeyPair();
    }

    @Test
    void clientOfAValidCa_isACaller_untilTheFirstOfItsPathExpires() throws Exception {
        X509Certificate ca = ca(NOW.minus(days(10)), NOW.plus(days(5)));
        X509Certificate leaf = leaf(ca, NOW.minus(days(1)), NOW.plus(days(30)));

        ClientCertificateVerifier.Verification verified = verifier(ca).verify(chain(leaf));

        assertThat(verified.caller().subject()).isEqualTo("CN=svc,O=test");
        assertThat(verified.until()).as("the CA expires first, though the client did not"
                + " send it").isEqualTo(ca.getNotAfter().toInstant());
    }

    @Test
    void clientOfAnExpiredCa_isUnauthenticated_andTheCaIsNamedAtStart() throws Exception {
        X509Certificate ca = ca(Instant.parse("2020-01-01T00:00:00Z"),
                Instant.parse("2021-01-01T00:00:00Z"));
        X509Certificate leaf = leaf(ca, NOW.minus(days(1)), NOW.plus(days(30)));
        ClientCertificateVerifier verifier = verifier(ca);

        assertThatThrownBy(() -> verifier.verify(chain(leaf)))
                .isInstanceOf(UnauthenticatedException.class)
                .hasMessage("the client CA certificate 'CN=Test Client CA,O=test' has expired");
        assertThat(verifier.unusableAnchors()).singleElement().asString()
                .startsWith("tls.clientCaCertificates: 'CN=Test Client CA,O=test' is valid only"
                        + " from 2020-01-01T00:00:00Z to 2021-01-01T00:00:00Z");
    }

    @Test
    void theCaCertificateItself_isNoCaller() throws Exception {
        X509Certificate ca = ca(NOW.minus(days(10)), NOW.plus(days(300)));

        assertThatThrownBy(() -> verifier(ca).verify(chain(ca)))
                .isInstanceOf(UnauthenticatedException.class)
                .hasMessage("the client certificate is a client CA certificate"
                        + " (tls.clientCaCertificates), not a caller's");
        assertThat(verifier(ca).unusableAnchors()).isEmpty();
    }

    /** RFC 5280 4.2.1.3: a TLS client signs its handshake (found by a security review). */
    @Test
    void aLeafWhoseKeyUsageExcludesSigning_isNoCaller() throws Exception {
        X509Certificate ca = ca(NOW.minus(days(10)), NOW.plus(days(300)));
        X509Certificate encipherOnly = leaf(ca, NOW.minus(days(1)), NOW.plus(days(30)),
                new KeyUsage(KeyUsage.keyAgreement));
        X509Certificate signing = leaf(ca, NOW.minus(days(1)), NOW.plus(days(30)),
                new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyAgreement));

        assertThatThrownBy(() -> verifier(ca).verify(chain(encipherOnly)))
                .isInstanceOf(UnauthenticatedException.class)
                .hasMessageStartingWith("the client certificate's key usage does not allow"
                        + " digitalSignature");
        assertThat(verifier(ca).verify(chain(signing)).caller().subject())
                .isEqualTo("CN=svc,O=test");
    }

    /**
     * A CA certificate issued under the client CA could issue any caller name; as a caller it
     * was served (found by a security trial).
     */
    @Test
    void aCaCertificateIssuedByTheClientCa_isNoCaller() throws Exception {
        X509Certificate ca = ca(NOW.minus(days(10)), NOW.plus(days(300)));
        var builder = new JcaX509v3CertificateBuilder(
                X500Name.getInstance(ca.getSubjectX500Principal().getEncoded()), BigInteger.TEN,
                Date.from(NOW.minus(days(1))), Date.from(NOW.plus(days(30))),
                new X500Name("O=test,CN=officer"), clientKey.getPublic())
                .addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        X509Certificate subCa = new JcaX509CertificateConverter().getCertificate(builder.build(
                new JcaContentSignerBuilder("SHA256withECDSA").build(caKey.getPrivate())));

        assertThatThrownBy(() -> verifier(ca).verify(chain(subCa)))
                .isInstanceOf(UnauthenticatedException.class)
                .hasMessage("the client certificate is a CA certificate (basicConstraints"
                        + " CA:TRUE); a caller presents an end-entity certificate");
    }

    private static ClientCertificateVerifier verifier(X509Certificate ca) {
        return new ClientCertificateVerifier(List.of(ca), ClientRevocations.none(CLOCK), CLOCK);
    }

    private static Certificate[] chain(X509Certificate... certificates) {
        return certificates;
    }

    private static Duration days(int n) {
        return Duration.ofDays(n);
    }

    private static X509Certificate ca(Instant from, Instant to) throws Exception {
        X500Name name = new X500Name("O=test,CN=Test Client CA");
        return new JcaX509CertificateConverter().getCertificate(new JcaX509v3CertificateBuilder(
                name, BigInteger.ONE, Date.from(from), Date.from(to), name, caKey.getPublic())
                .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
                .build(new JcaContentSignerBuilder("SHA256withECDSA").build(caKey.getPrivate())));
    }

    private static X509Certificate leaf(X509Certificate ca, Instant from, Instant to)
            throws Exception {
        return leaf(ca, from, to, null);
    }

    private static X509Certificate leaf(X509Certificate ca, Instant from, Instant to,
                                        KeyUsage keyUsage) throws Exception {
        var builder = new JcaX509v3CertificateBuilder(
                X500Name.getInstance(ca.getSubjectX500Principal().getEncoded()), BigInteger.TWO,
                Date.from(from), Date.from(to), new X500Name("O=test,CN=svc"),
                clientKey.getPublic());
        if (keyUsage != null) {
            builder.addExtension(Extension.keyUsage, true, keyUsage);
        }
        return new JcaX509CertificateConverter().getCertificate(
                builder.build(new JcaContentSignerBuilder("SHA256withECDSA")
                        .build(caKey.getPrivate())));
    }
}
