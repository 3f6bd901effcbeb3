package org.smimed.daemon.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Which client certificate subjects a policy entry's {@code subject} matches. */
class CallerMatchTest {
    private static final CallerRule.Match CLIENT = new CallerRule.Match(
            CallerRule.Match.Kind.SUBJECT, "CN=smimed demo client, O=smimed demo");
    private static KeyPair key;

    @BeforeAll
    static void key() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(256);
        key = generator.generateKeyPair();
    }

    @Test
    void theSameName_matches_whateverItsAsciiCaseAndSpacing() throws Exception {
        assertThat(CLIENT.matches(caller("CN=smimed demo client,O=smimed demo"))).isTrue();
        assertThat(CLIENT.matches(caller("CN=Smimed Demo Client,O=SMIMED demo"))).isTrue();
        assertThat(CLIENT.matches(caller("CN=smimed demo client,O=other"))).isFalse();
    }

    /**
     * Found by a security trial: the canonical form folds these to "smimed", so a certificate
     * a CA would issue as a different name passed as the demo client, and one officer
     * approved their own request as another.
     */
    @ParameterizedTest
    @ValueSource(strings = {"CN=sm\u0131med demo client,O=smimed demo",
            "CN=\u017fmimed demo client,O=smimed demo",
            "CN=\uff53\uff4d\uff49\uff4d\uff45\uff44 demo client,O=smimed demo",
            "CN=smimed demo client\u200b,O=smimed demo"})
    void lookAlikes_doNotMatch(String subject) throws Exception {
        assertThat(CLIENT.matches(caller(subject))).isFalse();
    }

    /**
     * Found by a security trial: the canonical form trims control characters at a value's
     * edges, makes a NUL a space and runs of spaces one, so "CN=officer b" followed by U+0001
     * approved an officer's own request as officer b.
     */
    @ParameterizedTest
    @ValueSource(strings = {"CN=smimed demo client\u0001,O=smimed demo",
            "CN=\u0001smimed demo client,O=smimed demo",
            "CN=smimed demo client\t,O=smimed demo",
            "CN=smimed demo client\u007f,O=smimed demo",
            "CN=smimed\u0000demo client,O=smimed demo",
            "CN=smimed  demo client,O=smimed demo",
            "CN=smimed demo client\\ ,O=smimed demo",
            "CN=\\ smimed demo client,O=smimed demo"})
    void controlCharactersAndSpaces_countAsWritten(String subject) throws Exception {
        assertThat(CLIENT.matches(caller(subject))).isFalse();
    }

    /**
     * Found by a security review: a subject ending in a carriage return was printed by the JDK
     * in a form it cannot read back, and the call ended UNKNOWN without an audit record.
     */
    @Test
    void aCarriageReturnAtAValuesEdge_isAnotherName_notAFailure() throws Exception {
        X500Name name = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.O, "smimed demo")
                .addRDN(BCStyle.CN, "smimed demo client\r").build();

        assertThat(CLIENT.matches(caller(name))).isFalse();
    }

    /** RFC 4514: a multi-valued RDN's attributes have no order (found by a security review). */
    @ParameterizedTest
    @ValueSource(strings = {"CN=officer b+OU=z,O=smimed demo", "OU=z+CN=officer b,O=smimed demo"})
    void aMultiValuedRdn_matchesInEitherOrder(String policySubject) throws Exception {
        X500Name name = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.O, "smimed demo")
                .addMultiValuedRDN(new ASN1ObjectIdentifier[] {BCStyle.CN, BCStyle.OU},
                        new String[] {"officer b", "z"}).build();
        CallerRule.Match entry = new CallerRule.Match(CallerRule.Match.Kind.SUBJECT,
                policySubject);

        assertThat(entry.matches(caller(name))).isTrue();
    }

    @Test
    void namesBeyondAscii_matchAsWritten_asciiCaseAside() throws Exception {
        CallerRule.Match jurgen = new CallerRule.Match(CallerRule.Match.Kind.SUBJECT,
                "CN=J\u00fcrgen M\u00fcller, O=Beispiel");
        assertThat(jurgen.matches(caller("CN=J\u00fcrgen M\u00fcller,O=Beispiel"))).isTrue();
        assertThat(jurgen.matches(caller("CN=j\u00fcrgen m\u00fcller,O=beispiel"))).isTrue();
        assertThat(jurgen.matches(caller("CN=Jurgen Muller,O=Beispiel"))).isFalse();
        assertThat(jurgen.matches(caller("CN=Ju\u0308rgen Mu\u0308ller,O=Beispiel")))
                .as("decomposed umlauts are another name as written").isFalse();
    }

    /** A caller as a verified certificate with {@code subject} (RFC 4514 order) names it. */
    private static Caller caller(String subject) throws Exception {
        return caller(X500Name.getInstance(new X500Principal(subject).getEncoded()));
    }

    /** A caller as a verified certificate with subject {@code name} names it. */
    private static Caller caller(X500Name name) throws Exception {
        Instant now = Instant.now();
        X509Certificate certificate = new JcaX509CertificateConverter().getCertificate(
                new JcaX509v3CertificateBuilder(name, BigInteger.ONE,
                        Date.from(now.minus(1, ChronoUnit.DAYS)),
                        Date.from(now.plus(1, ChronoUnit.DAYS)), name, key.getPublic())
                        .build(new JcaContentSignerBuilder("SHA256withECDSA")
                                .build(key.getPrivate())));
        return Caller.of(certificate);
    }
}
