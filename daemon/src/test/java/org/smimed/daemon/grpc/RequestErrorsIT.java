package org.smimed.daemon.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.smimed.api.v1.Digest;
import org.smimed.api.v1.DigestAlgorithm;
import org.smimed.api.v1.DirectoryServiceGrpc;
import org.smimed.api.v1.GetIdentityRequest;
import org.smimed.api.v1.Identity;
import org.smimed.api.v1.KeyAlgorithm;
import org.smimed.api.v1.ListIdentitiesRequest;
import org.smimed.api.v1.SignRequest;
import org.smimed.api.v1.SignatureAlgorithm;
import org.smimed.api.v1.SigningServiceGrpc;
import org.smimed.daemon.testing.DecryptCall;
import org.smimed.daemon.testing.TestDeployment;

/** Bad requests get the right status and a clear message, and the daemon keeps serving. */
class RequestErrorsIT {
    @TempDir
    static Path dir;
    private static TestDeployment deployment;
    private static SigningServiceGrpc.SigningServiceBlockingStub signing;

    @BeforeAll
    static void start() throws Exception {
        deployment = TestDeployment.start(dir);
        signing = SigningServiceGrpc.newBlockingStub(deployment.channel());
    }

    @AfterAll
    static void stop() throws Exception {
        deployment.close();
    }

    @AfterEach
    void daemonStillServes() {
        assertThat(signing.sign(SignRequest.newBuilder().setIdentity(TestDeployment.RSA)
                .setContent(ByteString.copyFromUtf8("still here")).build()).getSignedData())
                .isNotEmpty();
    }

    @Test
    void sign_unknownIdentity_isNotFound() {
        assertStatus(() -> signing.sign(content("nobody@smimed.example", "x")),
                Status.Code.NOT_FOUND, "unknown identity 'nobody@smimed.example'");
    }

    /**
     * Found by an outside trial: the description repeated a 100,000-character identity, the
     * client refused the oversized header, and the caller saw INTERNAL instead of NOT_FOUND.
     */
    @Test
    void sign_hugeUnknownIdentity_isStillNotFound_withTheEchoCutShort() {
        String huge = "a".repeat(100_000) + "@smimed.example";
        assertThatThrownBy(() -> signing.sign(content(huge, "x")))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
                    assertThat(e.getStatus().getDescription()).startsWith("unknown identity 'aaa")
                            .endsWith("... (" + (huge.length() + 19) + " characters)")
                            .hasSizeLessThan(3100);
                });
        // Each non-ASCII byte takes three in the header (found in review).
        String wide = "\u8acb".repeat(5_000) + "@smimed.example";
        assertThatThrownBy(() -> signing.sign(content(wide, "x")))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(
                        e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
    }

    /** Found by a fuzz trial: CR, LF and ESC came back as sent, to the reader's terminal. */
    @Test
    void sign_unknownIdentityWithControlCharacters_isEchoedEscaped() {
        assertStatus(() -> signing.sign(content("a\r\n\u001b[31mb\u202e@smimed.example", "x")),
                Status.Code.NOT_FOUND,
                "unknown identity 'a\\u000d\\u000a\\u001b[31mb\\u202e@smimed.example'");
    }

    @Test
    void sign_withoutIdentity_isInvalidArgument() {
        assertStatus(() -> signing.sign(content("", "x")), Status.Code.INVALID_ARGUMENT,
                "identity is required");
    }

    @Test
    void sign_withoutPayload_isInvalidArgument() {
        assertStatus(() -> signing.sign(SignRequest.newBuilder()
                .setIdentity(TestDeployment.RSA).build()), Status.Code.INVALID_ARGUMENT,
                "either content or digest is required");
    }

    @Test
    void sign_oversizedContent_isInvalidArgumentNamingTheLimit() {
        byte[] big = new byte[1024 * 1024 + 1];
        assertStatus(() -> signing.sign(SignRequest.newBuilder().setIdentity(TestDeployment.RSA)
                        .setContent(ByteString.copyFrom(big)).build()),
                Status.Code.INVALID_ARGUMENT, "limits.maxMessageBytes");
    }

    /** Found by a fuzz trial: it was "malformed request … could not be parsed". */
    @Test
    void sign_compressedContentTooLargeOnceInflated_isResourceExhausted() {
        byte[] zeros = new byte[4 * 1024 * 1024];
        assertStatus(() -> signing.withCompression("gzip").sign(SignRequest.newBuilder()
                        .setIdentity(TestDeployment.RSA).setContent(ByteString.copyFrom(zeros))
                        .build()),
                Status.Code.RESOURCE_EXHAUSTED, "exceeds maximum size once decompressed");
    }

    @Test
    void sign_digestOfWrongLength_isInvalidArgument() {
        assertStatus(() -> signing.sign(SignRequest.newBuilder().setIdentity(TestDeployment.RSA)
                        .setDigest(Digest.newBuilder()
                                .setAlgorithm(DigestAlgorithm.DIGEST_ALGORITHM_SHA256)
                                .setValue(ByteString.copyFrom(new byte[20]))).build()),
                Status.Code.INVALID_ARGUMENT, "a SHA256 digest is 32 bytes, got 20");
    }

    /**
     * A digest_algorithm beside a digest of another algorithm was ignored, the signature made
     * with the digest's (found by an outside trial): refused, naming both, and audited.
     */
    @Test
    void sign_digestAlgorithmDisagreeingWithTheDigest_isInvalidArgumentNamingBoth_andAudited()
            throws Exception {
        var trailers = new java.util.concurrent.atomic.AtomicReference<io.grpc.Metadata>();
        var stub = signing.withInterceptors(io.grpc.stub.MetadataUtils
                .newCaptureMetadataInterceptor(new java.util.concurrent.atomic.AtomicReference<>(),
                        trailers));

        assertStatus(() -> stub.sign(sha256Digest()
                        .setDigestAlgorithm(DigestAlgorithm.DIGEST_ALGORITHM_SHA512).build()),
                Status.Code.INVALID_ARGUMENT, "digest_algorithm SHA512 disagrees with"
                        + " digest.algorithm SHA256: leave digest_algorithm unset for a digest,"
                        + " or give the same");
        String requestId = trailers.get().get(io.grpc.Metadata.Key.of("x-request-id",
                io.grpc.Metadata.ASCII_STRING_MARSHALLER));
        assertThat(java.nio.file.Files.readAllLines(deployment.auditFile()))
                .anySatisfy(line -> assertThat(line).contains("\"requestId\":\"" + requestId)
                        .contains("\"status\":\"INVALID_ARGUMENT\""));
    }

    @Test
    void sign_digestAlgorithmUnsetOrTheDigests_isSignedWithTheDigests() {
        for (DigestAlgorithm asked : new DigestAlgorithm[] {
            DigestAlgorithm.DIGEST_ALGORITHM_UNSPECIFIED,
            DigestAlgorithm.DIGEST_ALGORITHM_SHA256}) {
            assertThat(signing.sign(sha256Digest().setDigestAlgorithm(asked).build()).getMicalg())
                    .isEqualTo("sha-256");
        }
    }

    private static SignRequest.Builder sha256Digest() {
        return SignRequest.newBuilder().setIdentity(TestDeployment.RSA)
                .setDigest(Digest.newBuilder()
                        .setAlgorithm(DigestAlgorithm.DIGEST_ALGORITHM_SHA256)
                        .setValue(ByteString.copyFrom(new byte[32])));
    }

    @Test
    void sign_encapsulatedFromDigest_isInvalidArgument() {
        assertStatus(() -> signing.sign(SignRequest.newBuilder().setIdentity(TestDeployment.RSA)
                        .setEncapsulate(true)
                        .setDigest(Digest.newBuilder()
                                .setAlgorithm(DigestAlgorithm.DIGEST_ALGORITHM_SHA256)
                                .setValue(ByteString.copyFrom(new byte[32]))).build()),
                Status.Code.INVALID_ARGUMENT, "an encapsulated signature needs the content");
    }

    @Test
    void sign_ecdsaWithRsaKey_isRefusedNotReplaced() {
        assertStatus(() -> signing.sign(content(TestDeployment.RSA, "x").toBuilder()
                        .setSignatureAlgorithm(SignatureAlgorithm.SIGNATURE_ALGORITHM_ECDSA)
                        .build()),
                Status.Code.INVALID_ARGUMENT, "signature algorithm ECDSA does not work with");
    }

    @Test
    void decrypt_oversizedMessage_isInvalidArgumentNamingTheLimit() throws Exception {
        // Well formed with indefinite lengths, so only the byte count can tell it is too large:
        // the daemon decrypts it as it arrives and stops at the limit.
        byte[] plaintext = new byte[1024 * 1024 + 4096];
        new java.util.Random(11).nextBytes(plaintext);
        Path in = java.nio.file.Files.write(dir.resolve("oversized.bin"), plaintext);
        Path out = dir.resolve("oversized.ber");
        org.smimed.daemon.testing.Processes.check(java.util.List.of("openssl", "cms", "-encrypt",
                "-binary", "-stream", "-aes-256-cbc", "-outform", "DER", "-in", in.toString(),
                "-out", out.toString(), deployment.certificate(TestDeployment.RSA).toString()),
                dir);
        byte[] message = java.nio.file.Files.readAllBytes(out);

        assertStatus(() -> DecryptCall.decrypt(deployment.channel(), null, message, 64 * 1024),
                Status.Code.INVALID_ARGUMENT, "limits.maxMessageBytes");
    }

    @Test
    void decryptMessage_largerThanMaxMessageBytes_isInvalidArgumentNamingTheLimit() {
        // Below 4 MiB, so limits.maxMessageBytes (1 MiB here) is the limit that applies; the
        // size alone decides, before the bytes are looked at.
        byte[] message = new byte[TestDeployment.MAX_MESSAGE_BYTES + 1];

        assertStatus(() -> DecryptCall.whole(deployment.channel(), null, message),
                Status.Code.INVALID_ARGUMENT, "more than the limit of "
                        + TestDeployment.MAX_MESSAGE_BYTES + " bytes for DecryptMessage");
    }

    @Test
    void decryptMessage_empty_isInvalidArgument() {
        assertStatus(() -> DecryptCall.whole(deployment.channel(), null, new byte[0]),
                Status.Code.INVALID_ARGUMENT, "empty message");
    }

    @Test
    void decryptMessage_forUnknownIdentity_isNotFound() {
        assertStatus(() -> DecryptCall.whole(deployment.channel(), "nobody@smimed.example",
                new byte[] {0x30, 0x00}), Status.Code.NOT_FOUND, "unknown identity");
    }

    @Test
    void decrypt_emptyStream_isInvalidArgument() {
        assertStatus(() -> DecryptCall.decrypt(deployment.channel(), null, new byte[0], 10),
                Status.Code.INVALID_ARGUMENT, "empty message");
    }

    @Test
    void decrypt_forUnknownIdentity_isNotFound() {
        assertStatus(() -> DecryptCall.decrypt(deployment.channel(), "nobody@smimed.example",
                new byte[] {0x30, 0x00}, 10), Status.Code.NOT_FOUND, "unknown identity");
    }

    @Test
    void directory_listsBothIdentitiesWithChains() {
        var directory = DirectoryServiceGrpc.newBlockingStub(deployment.channel());
        var list = directory.listIdentities(ListIdentitiesRequest.getDefaultInstance());
        assertThat(list.getIdentitiesList()).extracting(Identity::getIdentity)
                .containsExactly(TestDeployment.EC, TestDeployment.RSA);
        Identity rsa = directory.getIdentity(GetIdentityRequest.newBuilder()
                .setIdentity(TestDeployment.RSA).build());
        assertThat(rsa.getKeyAlgorithm()).isEqualTo(KeyAlgorithm.KEY_ALGORITHM_RSA_2048);
        assertThat(rsa.getCertificateChainCount()).isEqualTo(2);
        assertThat(rsa.getSmimeCapabilities()).isNotEmpty();
        assertStatus(() -> directory.getIdentity(GetIdentityRequest.newBuilder()
                .setIdentity("nobody@smimed.example").build()), Status.Code.NOT_FOUND,
                "unknown identity");
    }

    private static SignRequest content(String identity, String text) {
        return SignRequest.newBuilder().setIdentity(identity)
                .setContent(ByteString.copyFromUtf8(text)).build();
    }

    /**
     * Bytes that are not protobuf, to a unary call (Sign) and to a stream (Decrypt): grpc-java
     * answered UNKNOWN "Application error processing RPC" with a stack trace in the log and
     * INTERNAL in the audit (found by an outside trial).
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource({
        "smimed.v1.SigningService/Sign, UNARY, smimed.v1.SignRequest",
        "smimed.v1.DecryptionService/Decrypt, BIDI_STREAMING, smimed.v1.DecryptRequest"})
    void notProtobuf_isInvalidArgument_withARequestId_andAuditedSo(String method,
            io.grpc.MethodDescriptor.MethodType type, String messageType) throws Exception {
        var descriptor = org.smimed.daemon.testing.RawCalls.method(method, type);
        byte[] garbage = {(byte) 0xff, (byte) 0xff, (byte) 0xff};
        var trailersRef = new java.util.concurrent.atomic.AtomicReference<io.grpc.Metadata>();
        var capture = io.grpc.stub.MetadataUtils.newCaptureMetadataInterceptor(
                new java.util.concurrent.atomic.AtomicReference<>(), trailersRef);
        io.grpc.Channel channel = io.grpc.ClientInterceptors.intercept(deployment.channel(),
                capture);

        assertStatus(() -> io.grpc.stub.ClientCalls.blockingUnaryCall(channel, descriptor,
                        io.grpc.CallOptions.DEFAULT.withDeadlineAfter(10,
                                java.util.concurrent.TimeUnit.SECONDS), garbage),
                Status.Code.INVALID_ARGUMENT,
                "malformed request: not a valid " + messageType);
        String requestId = trailersRef.get().get(io.grpc.Metadata.Key.of("x-request-id",
                io.grpc.Metadata.ASCII_STRING_MARSHALLER));
        assertThat(requestId).isNotBlank();
        assertThat(java.nio.file.Files.readAllLines(deployment.auditFile()))
                .anySatisfy(line -> assertThat(line).contains("\"requestId\":\"" + requestId)
                        .contains("\"status\":\"INVALID_ARGUMENT\""));
    }

    /** Ignoring it would look like a restriction that is not there (found by an outside trial). */
    @Test
    void decrypt_identityInALaterMessage_isInvalidArgument() throws Exception {
        var done = new java.util.concurrent.CompletableFuture<Status>();
        var requests = org.smimed.api.v1.DecryptionServiceGrpc.newStub(deployment.channel())
                .withDeadlineAfter(30, java.util.concurrent.TimeUnit.SECONDS)
                .decrypt(new io.grpc.stub.StreamObserver<>() {
                    @Override
                    public void onNext(org.smimed.api.v1.DecryptResponse value) {
                    }

                    @Override
                    public void onError(Throwable t) {
                        done.complete(Status.fromThrowable(t));
                    }

                    @Override
                    public void onCompleted() {
                        done.complete(Status.OK);
                    }
                });
        requests.onNext(org.smimed.api.v1.DecryptRequest.newBuilder()
                .setChunk(ByteString.copyFrom(new byte[] {0x30, (byte) 0x80})).build());
        requests.onNext(org.smimed.api.v1.DecryptRequest.newBuilder()
                .setIdentity(TestDeployment.EC)
                .setChunk(ByteString.copyFrom(new byte[] {0x06, 0x09})).build());

        Status status = done.get(30, java.util.concurrent.TimeUnit.SECONDS);
        requests.onCompleted();

        assertThat(status.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(status.getDescription()).isEqualTo("identity is read only from the first"
                + " message; a later message named '" + TestDeployment.EC + "'");
    }

    private static void assertStatus(ThrowingCallable call, Status.Code code, String message) {
        assertThatThrownBy(call).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(code);
            assertThat(e.getStatus().getDescription()).contains(message);
        });
    }
}
