package org.smimed.daemon.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsServerCredentials;
import io.grpc.stub.StreamObserver;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.bouncycastle.cms.CMSProcessableByteArray;
import org.bouncycastle.cms.CMSSignedData;
import org.bouncycastle.cms.SignerInformation;
import org.bouncycastle.cms.jcajce.JcaSimpleSignerInfoVerifierBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.smimed.api.v1.SignRequest;
import org.smimed.api.v1.SignResponse;
import org.smimed.api.v1.SigningServiceGrpc;
import org.smimed.client.Channels;
import org.smimed.client.HashAlgorithm;
import org.smimed.client.SignResult;
import org.smimed.client.SigningRequest;
import org.smimed.client.SmimeClient;
import org.smimed.client.SmimeClientException;
import org.smimed.daemon.testing.FilePki;
import org.smimed.daemon.testing.TestDeployment;

/**
 * The client library's retry policy, against a gRPC server over TLS whose first answer to
 * every call is a chosen failure and which then passes the call on to a real daemon: which
 * failures make the client send the call again. A daemon
 * killed between two calls can fail the next one with UNAVAILABLE or — when the client's write
 * meets the closed connection before its read does — with UNKNOWN "channel closed" (grpc-netty
 * maps a ClosedChannelException without cause so); both must go to another daemon (ScaleOutIT).
 */
class ClientRetryIT {
    @TempDir
    static Path dir;
    private static final byte[] CONTENT = "retried mail".getBytes(StandardCharsets.UTF_8);
    private static final AtomicInteger attempts = new AtomicInteger();
    private static volatile Status.Code firstAnswer;
    private static TestDeployment daemon;
    private static Server server;
    private static ManagedChannel channel;

    @BeforeAll
    static void start() throws Exception {
        daemon = TestDeployment.start(dir.resolve("daemon"));
        FilePki pki = FilePki.create(dir, "retry", "retry@smimed.example");
        server = Grpc.newServerBuilderForPort(0, TlsServerCredentials.newBuilder()
                        .keyManager(pki.serverCert().toFile(), pki.serverKey().toFile()).build())
                .addService(new FailingOnce()).build().start();
        channel = Channels.tls("localhost:" + server.getPort(), pki.ca(), pki.clientCert(),
                pki.clientKey());
    }

    @AfterAll
    static void stop() throws Exception {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        daemon.close();
    }

    @BeforeEach
    void reset() {
        attempts.set(0);
    }

    @ParameterizedTest
    @EnumSource(names = {"UNAVAILABLE", "UNKNOWN"})
    void aTransportFailure_isSentAgain(Status.Code code) throws Exception {
        firstAnswer = code;
        SignResult result = sign();
        assertThat(attempts).hasValue(2);
        // The daemon's own answer came back: a signature over CONTENT by the identity's key.
        assertThat(result.keyVersion()).startsWith(TestDeployment.RSA + "/v");
        SignerInformation signer = new CMSSignedData(new CMSProcessableByteArray(CONTENT),
                result.signedData()).getSignerInfos().getSigners().iterator().next();
        assertThat(signer.verify(new JcaSimpleSignerInfoVerifierBuilder().build(
                readCertificate(daemon.certificate(TestDeployment.RSA))))).isTrue();
    }

    @ParameterizedTest
    @EnumSource(names = {"INVALID_ARGUMENT", "NOT_FOUND", "PERMISSION_DENIED", "INTERNAL",
            "DEADLINE_EXCEEDED", "RESOURCE_EXHAUSTED"})
    void anAnswerOfTheDaemon_isNotSentAgain(Status.Code code) {
        firstAnswer = code;
        assertThatThrownBy(this::sign).isInstanceOfSatisfying(SmimeClientException.class,
                e -> assertThat(e.getMessage()).contains("first attempt"));
        assertThat(attempts).hasValue(1);
    }

    private SignResult sign() throws SmimeClientException {
        return new SmimeClient(channel, Duration.ofSeconds(20)).sign(SigningRequest.ofDigest(
                TestDeployment.RSA, HashAlgorithm.SHA256, sha256(CONTENT)));
    }

    private static java.security.cert.X509Certificate readCertificate(Path pem)
            throws Exception {
        try (var in = java.nio.file.Files.newInputStream(pem)) {
            return (java.security.cert.X509Certificate) java.security.cert.CertificateFactory
                    .getInstance("X.509").generateCertificate(in);
        }
    }

    private static byte[] sha256(byte[] content) {
        try {
            return java.security.MessageDigest.getInstance("SHA-256").digest(content);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Fails the first attempt of every test's call with {@link #firstAnswer}, then passes the
     * call on to the real daemon and returns its answer (or its failure).
     */
    private static final class FailingOnce extends SigningServiceGrpc.SigningServiceImplBase {
        @Override
        public void sign(SignRequest request, StreamObserver<SignResponse> response) {
            if (attempts.incrementAndGet() == 1) {
                response.onError(Status.fromCode(firstAnswer).withDescription("first attempt")
                        .asRuntimeException());
                return;
            }
            try {
                response.onNext(SigningServiceGrpc.newBlockingStub(daemon.channel())
                        .sign(request));
                response.onCompleted();
            } catch (StatusRuntimeException e) {
                response.onError(e);
            }
        }
    }
}
