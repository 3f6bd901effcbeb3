package org.smimed.daemon.tls;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.smimed.daemon.provision.DemoCertificateAuthority;

/** What the TLS library is given before and after a replacement, on real keys. */
class ServerKeyMaterialTest {
    private static DemoCertificateAuthority ca;

    @BeforeAll
    static void ca() throws Exception {
        ca = DemoCertificateAuthority.create("key material CA", new BouncyCastleProvider(),
                Clock.systemUTC(), new SecureRandom());
    }

    @Test
    void replace_givesANewAlias_andNewHandshakesTheNewPair() throws Exception {
        ServerKeyPair first = pair("EC");
        ServerKeyPair second = pair("EC");
        ServerKeyMaterial material = new ServerKeyMaterial(first);
        String before = material.chooseEngineServerAlias("EC_EC", null, null);

        material.replace(second);
        String after = material.chooseEngineServerAlias("EC_EC", null, null);

        assertThat(after).isNotEqualTo(before);
        assertThat(material.getCertificateChain(after)[0]).isEqualTo(second.leaf());
        assertThat(material.getPrivateKey(after)).isEqualTo(second.key());
        assertThat(material.current()).isEqualTo(second);
    }

    @Test
    void aHandshakeThatChoseJustBeforeAReplacement_stillGetsAPairThatGoesTogether()
            throws Exception {
        ServerKeyPair first = pair("EC");
        ServerKeyMaterial material = new ServerKeyMaterial(first);
        String chosen = material.chooseEngineServerAlias("EC", null, null);

        material.replace(pair("EC"));

        assertThat(material.getCertificateChain(chosen)[0]).isEqualTo(first.leaf());
        assertThat(material.getPrivateKey(chosen)).isEqualTo(first.key());
    }

    @Test
    void aliasesTwoReplacementsOld_areForgotten() throws Exception {
        ServerKeyMaterial material = new ServerKeyMaterial(pair("EC"));
        String chosen = material.chooseEngineServerAlias("EC", null, null);

        material.replace(pair("EC"));
        material.replace(pair("EC"));

        assertThat(material.getCertificateChain(chosen)).isNull();
        assertThat(material.getPrivateKey(chosen)).isNull();
    }

    @Test
    void keyTypes_offerTheKeyOnlyForItsOwnAlgorithm() throws Exception {
        ServerKeyMaterial ec = new ServerKeyMaterial(pair("EC"));
        ServerKeyMaterial rsa = new ServerKeyMaterial(pair("RSA"));

        assertThat(ec.chooseEngineServerAlias("EC_RSA", null, null)).isNotNull();
        assertThat(ec.chooseEngineServerAlias("RSA", null, null)).isNull();
        assertThat(rsa.chooseEngineServerAlias("RSA", null, null)).isNotNull();
        assertThat(rsa.chooseEngineServerAlias("EC_EC", null, null)).isNull();
        assertThat(rsa.chooseEngineServerAlias("DH_RSA", null, null)).isNull();
    }

    @Test
    void neverActsAsAClient() throws Exception {
        ServerKeyMaterial material = new ServerKeyMaterial(pair("EC"));

        assertThat(material.chooseEngineClientAlias(new String[] {"EC"}, null, null)).isNull();
        assertThat(material.getClientAliases("EC", null)).isNull();
    }

    @Test
    void toString_namesTheCertificate_notTheKey() throws Exception {
        ServerKeyPair pair = pair("EC");

        assertThat(pair.toString()).contains(pair.leaf().getSerialNumber().toString(16))
                .doesNotContain("PRIVATE").doesNotContain(pair.key().toString());
    }

    private static ServerKeyPair pair(String algorithm) throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance(algorithm);
        generator.initialize(algorithm.equals("RSA") ? 2048 : 256);
        KeyPair keys = generator.generateKeyPair();
        X509Certificate certificate = ca.issueServer(keys.getPublic(), List.of("localhost"),
                Duration.ofDays(30));
        return new ServerKeyPair(List.of(certificate, ca.certificate()), keys.getPrivate());
    }
}
