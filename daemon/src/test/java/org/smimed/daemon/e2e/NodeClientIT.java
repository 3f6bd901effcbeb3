package org.smimed.daemon.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bouncycastle.cms.CMSProcessableByteArray;
import org.bouncycastle.cms.CMSSignedData;
import org.bouncycastle.cms.SignerInformation;
import org.bouncycastle.cms.jcajce.JcaSimpleSignerInfoVerifierBuilder;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.smimed.daemon.provision.DemoSetup;
import org.smimed.daemon.testing.Processes;
import org.smimed.daemon.testing.TestDeployment;
import org.smimed.daemon.token.KeyAlgorithm;

/** The proto serves a second language: the Node.js example client signs through the daemon. */
class NodeClientIT {
    private static final Path CLIENT = Path.of("..", "examples", "node-client").toAbsolutePath()
            .normalize();

    @TempDir
    static Path dir;
    /** A key whose hash is not SHA-256: the client must take it from the directory. */
    private static final String P384 = "p384@smimed.example";
    private static TestDeployment deployment;

    @BeforeAll
    static void start() throws Exception {
        if (!Files.isDirectory(CLIENT.resolve("node_modules"))) {
            Processes.check(List.of("npm", "ci", "--no-audit", "--no-fund"), CLIENT);
        }
        deployment = TestDeployment.start(dir, List.of(new DemoSetup.DemoIdentity(P384,
                KeyAlgorithm.EC_P384)), "");
    }

    @AfterAll
    static void stop() throws Exception {
        deployment.close();
    }

    @Test
    void nodeClient_signsADigest_thatBouncyCastleVerifies() throws Exception {
        byte[] content = "Invoice 4711 from Node.js\r\n".getBytes(StandardCharsets.UTF_8);
        Path message = Files.write(dir.resolve("message.bin"), content);

        Processes.Result result = Processes.run(List.of("node",
                CLIENT.resolve("sign.js").toString(),
                "--target", "localhost:" + deployment.daemon().port(),
                "--ca", deployment.caCertificate().toString(),
                "--cert", deployment.clientCertificate().toString(),
                "--key", deployment.clientKey().toString(),
                "--identity", P384, "--in", message.toString()), dir);

        assertThat(result.exitCode()).as(result.stderr()).isZero();
        assertThat(result.stdout()).contains("\"identities\":[\"" + TestDeployment.EC + "\",\""
                + P384 + "\",\"" + TestDeployment.RSA + "\"]",
                "\"keyVersion\":\"" + P384 + "/v1\"", "\"micalg\":\"sha-384\"");
        Matcher m = Pattern.compile("\"signedData\":\"([^\"]+)\"").matcher(result.stdout());
        assertThat(m.find()).isTrue();
        CMSSignedData signed = new CMSSignedData(new CMSProcessableByteArray(content),
                Base64.getDecoder().decode(m.group(1)));
        SignerInformation signer = signed.getSignerInfos().getSigners().iterator().next();
        X509CertificateHolder cert = (X509CertificateHolder) signed.getCertificates()
                .getMatches(signer.getSID()).iterator().next();
        assertThat(signer.verify(new JcaSimpleSignerInfoVerifierBuilder()
                .setProvider(new BouncyCastleProvider()).build(cert))).isTrue();
    }

    @Test
    void nodeClient_unknownIdentity_failsWithOneLineNotFound() throws Exception {
        Path message = Files.write(dir.resolve("m2.bin"), new byte[] {1, 2, 3});

        Processes.Result result = Processes.run(List.of("node",
                CLIENT.resolve("sign.js").toString(),
                "--target", "localhost:" + deployment.daemon().port(),
                "--ca", deployment.caCertificate().toString(),
                "--cert", deployment.clientCertificate().toString(),
                "--key", deployment.clientKey().toString(),
                "--identity", "nobody@smimed.example", "--in", message.toString()), dir);

        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.stderr().strip()).isEqualTo(
                "sign.js: unknown identity 'nobody@smimed.example' (NOT_FOUND)");
    }
}
