package org.smimed.daemon.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.bouncycastle.asn1.cms.ContentInfo;
import org.bouncycastle.asn1.cms.KeyTransRecipientInfo;
import org.bouncycastle.asn1.cms.RecipientInfo;
import org.bouncycastle.cms.CMSAlgorithm;
import org.bouncycastle.cms.CMSEnvelopedDataGenerator;
import org.bouncycastle.cms.CMSProcessableByteArray;
import org.bouncycastle.cms.jcajce.JceCMSContentEncryptorBuilder;
import org.bouncycastle.cms.jcajce.JceKeyTransRecipientInfoGenerator;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.smimed.daemon.testing.DecryptCall;
import org.smimed.daemon.testing.SoftHsm;
import org.smimed.daemon.testing.TestDeployment;
import org.smimed.daemon.token.TokenFaults;

/**
 * Must show 1 (b): the token is logged out under a running daemon. SoftHSM2 keeps login state
 * per process, so another process logging out changes nothing for the daemon; the only logout
 * that reaches it is C_Logout on the same module, which the test makes through
 * {@link TokenFaults} in the daemon's own JVM. The daemon logs in again (PIN read again from its
 * file), re-reads its key handles and retries the call once, or its health probe does so.
 */
class TokenLogoutHealingIT {
    @TempDir
    static Path dir;
    private static TestDeployment deployment;
    private static X509Certificate rsa;

    @BeforeAll
    static void start() throws Exception {
        deployment = TestDeployment.start(dir, List.of(), """
                operations:
                  probeIntervalSeconds: 1
                """);
        try (InputStream in = Files.newInputStream(deployment.certificate(TestDeployment.RSA))) {
            rsa = (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(in);
        }
    }

    @AfterAll
    static void stop() throws Exception {
        deployment.close();
    }

    @Test
    void signRightAfterALogout_logsInAgainAndSucceeds() throws Exception {
        // Not checked here: the 1 s health probe may log in again before any look could be
        // taken (CI saw it once), and a check inside logOut could race it too. Either way the
        // call must succeed and leave the daemon logged in.
        TokenFaults.logOut(SoftHsm.LIBRARY, deployment.token().label());

        SigningLoop.Outcome outcome = SigningLoop.start(deployment.channel(), TestDeployment.RSA,
                rsa, 1, 1).finish();

        assertThat(outcome).isEqualTo(new SigningLoop.Outcome(1, 0, List.of()));
        assertThat(TokenFaults.isLoggedIn(SoftHsm.LIBRARY, deployment.token().label())).isTrue();
    }

    @Test
    void decryptRightAfterALogout_logsInAgainAndSucceeds() throws Exception {
        byte[] plaintext = "after a logout".getBytes(StandardCharsets.UTF_8);
        byte[] message = envelope(plaintext);
        TokenFaults.logOut(SoftHsm.LIBRARY, deployment.token().label());

        DecryptCall.Answer answer = DecryptCall.decrypt(deployment.channel(), TestDeployment.RSA,
                message, 4096);

        assertThat(answer.plaintext()).isEqualTo(plaintext);
    }

    @Test
    void decryptMessageRightAfterALogout_logsInAgainAndSucceeds() throws Exception {
        byte[] plaintext = "whole, after a logout".getBytes(StandardCharsets.UTF_8);
        byte[] message = envelope(plaintext);
        TokenFaults.logOut(SoftHsm.LIBRARY, deployment.token().label());

        DecryptCall.Answer answer = DecryptCall.whole(deployment.channel(), TestDeployment.RSA,
                message);

        assertThat(answer.plaintext()).isEqualTo(plaintext);
        assertThat(TokenFaults.isLoggedIn(SoftHsm.LIBRARY, deployment.token().label())).isTrue();
    }

    @Test
    void badPaddingRightAfterALogout_staysDecryptionFailed_neverUnavailable() throws Exception {
        // AES-GCM, not CBC: a tampered key unwraps (implicit rejection) to a random key, and
        // random CBC output ends in valid padding about once in 256 runs, which made this test
        // pass a "decryption" now and then; a GCM tag never verifies.
        byte[] message = authEnvelope("masked".getBytes(StandardCharsets.UTF_8));
        byte[] encryptedKey = KeyTransRecipientInfo.getInstance(RecipientInfo.getInstance(
                org.bouncycastle.asn1.cms.AuthEnvelopedData.getInstance(
                        ContentInfo.getInstance(message).getContent())
                        .getRecipientInfos().getObjectAt(0)).getInfo())
                .getEncryptedKey().getOctets();
        int at = indexOf(message, encryptedKey) + encryptedKey.length / 2;
        message[at] ^= 0x55;
        TokenFaults.logOut(SoftHsm.LIBRARY, deployment.token().label());

        // The stale handle fails first (token gone: heal and retry); the retry meets the bad
        // padding, which SoftHSM2 reports as CKR_GENERAL_ERROR and the daemon must mask.
        assertThatThrownBy(() -> DecryptCall.decrypt(deployment.channel(), TestDeployment.RSA,
                message, 4096))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(
                        e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT))
                .hasMessage("INVALID_ARGUMENT: decryption failed");
        assertThat(TokenFaults.isLoggedIn(SoftHsm.LIBRARY, deployment.token().label())).isTrue();
        // DecryptMessage retries the whole call after the heal, and masks the same way.
        TokenFaults.logOut(SoftHsm.LIBRARY, deployment.token().label());
        assertThatThrownBy(() -> DecryptCall.whole(deployment.channel(), TestDeployment.RSA,
                message))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(
                        e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT))
                .hasMessage("INVALID_ARGUMENT: decryption failed");
    }

    private static byte[] envelope(byte[] plaintext) throws Exception {
        CMSEnvelopedDataGenerator generator = new CMSEnvelopedDataGenerator();
        generator.addRecipientInfoGenerator(new JceKeyTransRecipientInfoGenerator(rsa)
                .setProvider(new BouncyCastleProvider()));
        return generator.generate(new CMSProcessableByteArray(plaintext),
                new JceCMSContentEncryptorBuilder(CMSAlgorithm.AES128_CBC)
                        .setProvider(new BouncyCastleProvider()).build()).getEncoded();
    }

    private static byte[] authEnvelope(byte[] plaintext) throws Exception {
        var generator = new org.bouncycastle.cms.CMSAuthEnvelopedDataGenerator();
        generator.addRecipientInfoGenerator(new JceKeyTransRecipientInfoGenerator(rsa)
                .setProvider(new BouncyCastleProvider()));
        return generator.generate(new CMSProcessableByteArray(plaintext),
                (org.bouncycastle.operator.OutputAEADEncryptor) new JceCMSContentEncryptorBuilder(
                        CMSAlgorithm.AES128_GCM).setProvider(new BouncyCastleProvider()).build())
                .getEncoded();
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            if (java.util.Arrays.equals(haystack, i, i + needle.length, needle, 0,
                    needle.length)) {
                return i;
            }
        }
        throw new IllegalStateException("part not found");
    }

    @Test
    void logoutWithoutCalls_theHealthProbeLogsInAgain_andStaysServing() throws Exception {
        TokenFaults.logOut(SoftHsm.LIBRARY, deployment.token().label());

        // Nothing but the probe (every second) logs the daemon in again.
        await(Duration.ofSeconds(20), () -> loggedIn());
        assertThat(health()).isEqualTo(ServingStatus.SERVING);
        assertThat(SigningLoop.start(deployment.channel(), TestDeployment.RSA, rsa, 1, 3)
                .finish()).isEqualTo(new SigningLoop.Outcome(3, 0, List.of()));
    }

    @Test
    void logoutsDuringASigningLoop_neverGiveAWrongAnswerOrInternal() throws Exception {
        SigningLoop loop = SigningLoop.start(deployment.channel(), TestDeployment.RSA, rsa, 3,
                100);
        for (int logout = 1; logout <= 3; logout++) {
            int seen = loop.answered();
            await(Duration.ofSeconds(60), () -> loop.answered() >= seen + 40);
            TokenFaults.logOut(SoftHsm.LIBRARY, deployment.token().label());
        }
        SigningLoop.Outcome outcome = loop.finish();

        assertThat(outcome.wrong()).isEmpty();
        assertThat(outcome.verified() + outcome.unavailable()).isEqualTo(300);
        // Each failed call was retried after a re-login, so nearly all succeed.
        assertThat(outcome.verified()).isGreaterThanOrEqualTo(290);
        assertThat(health()).isEqualTo(ServingStatus.SERVING);
    }

    private static boolean loggedIn() {
        try {
            return TokenFaults.isLoggedIn(SoftHsm.LIBRARY, deployment.token().label());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static ServingStatus health() {
        return HealthGrpc.newBlockingStub(deployment.channel()).check(HealthCheckRequest
                .newBuilder().setService("smimed.v1.SigningService").build()).getStatus();
    }

    static void await(Duration limit, BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("condition not met within " + limit);
            }
            Thread.sleep(50);
        }
    }
}
