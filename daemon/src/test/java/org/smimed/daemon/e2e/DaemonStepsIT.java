package org.smimed.daemon.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.smimed.daemon.testing.TestDeployment.RSA;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.smimed.client.HashAlgorithm;
import org.smimed.client.SmimeClient;
import org.smimed.client.mime.Certificates;
import org.smimed.client.mime.DaemonSteps;
import org.smimed.client.mime.MimeInput;
import org.smimed.client.mime.SenderCheck;
import org.smimed.client.mime.SignedMessageVerifier;
import org.smimed.client.mime.SignedMessageWriter;
import org.smimed.client.mime.SmimeOperationException;
import org.smimed.daemon.testing.OpenSsl;
import org.smimed.daemon.testing.TestDeployment;

/**
 * The library's own daemon steps drive the MIME writers and readers against a real daemon.
 * Found by a client trial: every integrator wrote these adapters, the CLI's being
 * package-private.
 */
class DaemonStepsIT {
    private static final byte[] ENTITY = "Content-Type: text/plain\r\n\r\nquarterly numbers\r\n"
            .getBytes(StandardCharsets.US_ASCII);

    @TempDir
    static Path dir;
    private static TestDeployment deployment;
    private static DaemonSteps steps;

    @BeforeAll
    static void start() throws Exception {
        deployment = TestDeployment.start(dir);
        steps = new DaemonSteps(new SmimeClient(deployment.channel(), Duration.ofSeconds(60)));
    }

    @AfterAll
    static void stop() throws Exception {
        deployment.close();
    }

    @Test
    void aSignedMessage_isOneTheVerifierAccepts() throws Exception {
        byte[] signed = new SignedMessageWriter(steps.signer(RSA, null), HashAlgorithm.SHA256,
                false, new SecureRandom()).detached(MimeInput.parse(ENTITY));

        var verified = new SignedMessageVerifier(new BouncyCastleProvider(),
                Certificates.read(deployment.caCertificate()), SenderCheck.OFF,
                Clock.systemUTC()).verify(signed);

        assertThat(verified.signerEmail()).isEqualTo(RSA);
        assertThat(verified.content()).isEqualTo(ENTITY);
    }

    @Test
    void anOpenSslMessage_decryptsThroughTheDecryptor() throws Exception {
        byte[] cms = OpenSsl.encrypt(dir, "-aes-256-gcm", ENTITY, deployment.certificate(RSA));
        ByteArrayOutputStream plaintext = new ByteArrayOutputStream();

        var report = steps.decryptor(null).decrypt(new ByteArrayInputStream(cms), plaintext);

        assertThat(plaintext.toByteArray()).isEqualTo(ENTITY);
        assertThat(report.keyVersion()).isEqualTo(RSA + "/v1");
    }

    @Test
    void aRefusal_isOneLineWithItsCodeAndRequestId() {
        assertThatThrownBy(() -> new SignedMessageWriter(steps.signer("nobody@smimed.example",
                null), HashAlgorithm.SHA256, false, new SecureRandom())
                .detached(MimeInput.parse(ENTITY)))
                .isInstanceOf(SmimeOperationException.class)
                .hasMessageStartingWith("signing failed (NOT_FOUND: unknown identity"
                        + " 'nobody@smimed.example'; request id ");
    }
}
