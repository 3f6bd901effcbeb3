package org.smimed.daemon.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.smimed.daemon.config.ConfigFileException;
import org.smimed.daemon.testing.MutableClock;

/**
 * Client certificates on their CA's CRL ({@code tls.clientCrls}). Found by a security review:
 * a stolen officer certificate kept its rights until it expired, whatever was revoked.
 */
class ClientRevocationsTest {
    private static final Instant NOW = Instant.parse("2026-12-02T00:00:00Z");
    private static final Duration LOOK = Duration.ofSeconds(60);
    private static KeyPair caKey;
    private static KeyPair otherKey;
    private static X509Certificate ca;
    private static X509Certificate officer;
    private static X509Certificate service;

    @TempDir
    Path dir;
    private final MutableClock clock = new MutableClock(NOW);

    @BeforeAll
    static void pki() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(256);
        caKey = generator.generateKeyPair();
        otherKey = generator.generateKeyPair();
        X500Name name = new X500Name("O=test,CN=Test Client CA");
        ca = new JcaX509CertificateConverter().getCertificate(new JcaX509v3CertificateBuilder(
                name, BigInteger.ONE, Date.from(NOW.minus(Duration.ofDays(10))),
                Date.from(NOW.plus(Duration.ofDays(300))), name, caKey.getPublic())
                .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
                .build(new JcaContentSignerBuilder("SHA256withECDSA").build(caKey.getPrivate())));
        officer = leaf("CN=officer", 7);
        service = leaf("CN=service", 8);
    }

    @Test
    void aListedCertificate_isRefused_andAChangedListEndsVerificationsAlreadyMade()
            throws Exception {
        Path file = crl(caKey, NOW.plus(Duration.ofDays(7)), officer);
        ClientRevocations revocations = ClientRevocations.read(file, List.of(ca), clock, LOOK);
        ClientCertificateVerifier verifier = new ClientCertificateVerifier(List.of(ca),
                revocations, clock);

        assertThatThrownBy(() -> verifier.verify(new X509Certificate[] {officer}))
                .isInstanceOf(UnauthenticatedException.class)
                .hasMessage("the client certificate has been revoked");
        ClientCertificateVerifier.Verification held = verifier.verify(
                new X509Certificate[] {service});
        assertThat(verifier.stillValid(held)).isTrue();

        crl(caKey, NOW.plus(Duration.ofDays(7)), officer, service);
        clock.advance(LOOK.minusSeconds(1));
        assertThat(verifier.stillValid(held)).as("not looked at again yet").isTrue();
        clock.advance(Duration.ofSeconds(1));
        assertThat(verifier.stillValid(held)).as("a session's verification is redone").isFalse();
        assertThatThrownBy(() -> verifier.verify(new X509Certificate[] {service}))
                .hasMessage("the client certificate has been revoked");
    }

    @Test
    void aListOverdueForRenewal_stillRefusesWhatItLists() throws Exception {
        Path file = crl(caKey, NOW.minus(Duration.ofDays(1)), officer);
        ClientCertificateVerifier verifier = new ClientCertificateVerifier(List.of(ca),
                ClientRevocations.read(file, List.of(ca), clock, LOOK), clock);

        assertThatThrownBy(() -> verifier.verify(new X509Certificate[] {officer}))
                .hasMessage("the client certificate has been revoked");
        assertThat(verifier.verify(new X509Certificate[] {service}).caller().subject())
                .isEqualTo("CN=service");
    }

    @Test
    void aListTheCaDidNotSign_isRefusedAtStart_andAsAReplacement() throws Exception {
        Path forged = crl(otherKey, NOW.plus(Duration.ofDays(7)));
        assertThatThrownBy(() -> ClientRevocations.read(forged, List.of(ca), clock, LOOK))
                .isInstanceOf(ConfigFileException.class)
                .hasMessageContaining("the CRL of 'CN=Test Client CA,O=test' is not signed by"
                        + " that client CA's key");

        Path file = crl(caKey, NOW.plus(Duration.ofDays(7)), officer);
        ClientRevocations revocations = ClientRevocations.read(file, List.of(ca), clock, LOOK);
        long generation = revocations.generation();
        crl(otherKey, NOW.plus(Duration.ofDays(7)));
        clock.advance(LOOK);
        assertThat(revocations.generation()).isEqualTo(generation);
        assertThat(revocations.revoked(List.of(officer), ca)).hasValue(
                "the client certificate has been revoked");
    }

    /**
     * Whoever may write the file must not un-revoke a certificate by putting back an older
     * CRL, or none (found by a security review); a later one replaces it as before.
     */
    @Test
    void aReplacementThatGoesBackOrDropsTheCasList_isRefused() throws Exception {
        Path file = crl(caKey, NOW.minus(Duration.ofDays(2)), NOW.plus(Duration.ofDays(7)),
                officer);
        ClientRevocations revocations = ClientRevocations.read(file, List.of(ca), clock, LOOK);
        long generation = revocations.generation();

        crl(caKey, NOW.minus(Duration.ofDays(30)), NOW.plus(Duration.ofDays(7)));
        clock.advance(LOOK);
        assertThat(revocations.generation()).as("an older CRL").isEqualTo(generation);
        assertThat(revocations.revoked(List.of(officer), ca)).isPresent();

        Files.write(file, new X509v2CRLBuilder(new X500Name("CN=Another CA"),
                Date.from(NOW)).build(new JcaContentSignerBuilder("SHA256withECDSA")
                .build(otherKey.getPrivate())).getEncoded());
        clock.advance(LOOK);
        assertThat(revocations.generation()).as("no CRL of the CA").isEqualTo(generation);
        assertThat(revocations.revoked(List.of(officer), ca)).isPresent();

        crl(caKey, NOW.minus(Duration.ofDays(1)), NOW.plus(Duration.ofDays(7)));
        clock.advance(LOOK);
        assertThat(revocations.generation()).as("a later CRL").isEqualTo(generation + 1);
        assertThat(revocations.revoked(List.of(officer), ca)).isEmpty();
    }

    /** Two client CAs of one name, as while a CA is re-keyed: each one's CRL is good. */
    @Test
    void aCaRekeyedUnderItsName_bothCrlsAreRead() throws Exception {
        X500Name name = X500Name.getInstance(ca.getSubjectX500Principal().getEncoded());
        X509Certificate rekeyed = new JcaX509CertificateConverter().getCertificate(
                new JcaX509v3CertificateBuilder(name, BigInteger.TEN,
                        Date.from(NOW.minus(Duration.ofDays(1))),
                        Date.from(NOW.plus(Duration.ofDays(300))), name, otherKey.getPublic())
                        .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
                        .build(new JcaContentSignerBuilder("SHA256withECDSA")
                                .build(otherKey.getPrivate())));
        Path file = crl(caKey, NOW.plus(Duration.ofDays(7)), officer);

        ClientRevocations revocations = ClientRevocations.read(file, List.of(rekeyed, ca),
                clock, LOOK);

        assertThat(revocations.revoked(List.of(officer), ca)).hasValue(
                "the client certificate has been revoked");
        // The new key has no CRL yet: named, as start-up logs it.
        assertThat(revocations.uncoveredCas()).containsExactly(
                "'CN=Test Client CA,O=test' (serial a)");
        assertThat(ClientRevocations.read(file, List.of(ca), clock, LOOK).uncoveredCas())
                .isEmpty();
    }

    private Path crl(KeyPair signer, Instant nextUpdate, X509Certificate... revoked)
            throws Exception {
        return crl(signer, NOW.minus(Duration.ofDays(2)), nextUpdate, revoked);
    }

    private Path crl(KeyPair signer, Instant thisUpdate, Instant nextUpdate,
                     X509Certificate... revoked) throws Exception {
        X509v2CRLBuilder builder = new X509v2CRLBuilder(
                X500Name.getInstance(ca.getSubjectX500Principal().getEncoded()),
                Date.from(thisUpdate));
        builder.setNextUpdate(Date.from(nextUpdate));
        for (X509Certificate certificate : revoked) {
            builder.addCRLEntry(certificate.getSerialNumber(), Date.from(NOW.minusSeconds(60)),
                    CRLReason.keyCompromise);
        }
        byte[] der = builder.build(new JcaContentSignerBuilder("SHA256withECDSA")
                .build(signer.getPrivate())).getEncoded();
        return Files.write(dir.resolve("crl.der"), der);
    }

    private static X509Certificate leaf(String subject, int serial) throws Exception {
        return new JcaX509CertificateConverter().getCertificate(new JcaX509v3CertificateBuilder(
                X500Name.getInstance(ca.getSubjectX500Principal().getEncoded()),
                BigInteger.valueOf(serial), Date.from(NOW.minus(Duration.ofDays(1))),
                Date.from(NOW.plus(Duration.ofDays(30))), new X500Name(subject),
                caKey.getPublic())
                .build(new JcaContentSignerBuilder("SHA256withECDSA").build(caKey.getPrivate())));
    }
}
