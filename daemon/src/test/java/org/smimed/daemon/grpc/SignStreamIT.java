package org.smimed.daemon.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.smimed.daemon.testing.SignStreamCalls.call;
import static org.smimed.daemon.testing.SignStreamCalls.chunk;
import static org.smimed.daemon.testing.SignStreamCalls.header;
import static org.smimed.daemon.testing.SignStreamCalls.request;
import static org.smimed.daemon.testing.SignStreamCalls.signStream;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.cms.Attribute;
import org.bouncycastle.asn1.cms.CMSAttributes;
import org.bouncycastle.asn1.smime.SMIMEAttributes;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cms.CMSProcessableByteArray;
import org.bouncycastle.cms.CMSSignedData;
import org.bouncycastle.cms.CMSSignedDataParser;
import org.bouncycastle.cms.SignerInformation;
import org.bouncycastle.cms.jcajce.JcaSimpleSignerInfoVerifierBuilder;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.smimed.api.v1.Digest;
import org.smimed.api.v1.DigestAlgorithm;
import org.smimed.api.v1.SignRequest;
import org.smimed.api.v1.SignResponse;
import org.smimed.api.v1.SignStreamHeader;
import org.smimed.api.v1.SignStreamRequest;
import org.smimed.api.v1.SignatureAlgorithm;
import org.smimed.api.v1.SigningServiceGrpc;
import org.smimed.daemon.testing.AuditRecords;
import org.smimed.daemon.testing.Processes;
import org.smimed.daemon.testing.SignStreamCalls.Answer;
import org.smimed.daemon.testing.SignStreamCalls.StalledStream;
import org.smimed.daemon.testing.TestDeployment;

/**
 * SignStream over real TLS gRPC with keys in SoftHSM2: detached and encapsulated signatures of
 * streamed content verify with OpenSSL and Bouncy Castle and carry what a unary Sign carries;
 * malformed streams, unknown identities, oversized content and callers without the permission
 * get the exact status; a cancelled stream gives its in-flight bytes back and leaves one audit
 * record.
 */
class SignStreamIT {
    static final int MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
    static final int PER_CALLER_BYTES = 6 * 512 * 1024;
    static final byte[] CONTENT = content(300_000, 1);

    @TempDir
    static Path dir;
    static TestDeployment deployment;
    static ManagedChannel decryptOnly;
    static SigningServiceGrpc.SigningServiceBlockingStub unary;

    @BeforeAll
    static void start() throws Exception {
        deployment = TestDeployment.start(dir, List.of(), """
                limits:
                  maxMessageBytes: %d
                  maxInFlightBytesPerCaller: %d
                """.formatted(MAX_MESSAGE_BYTES, PER_CALLER_BYTES));
        decryptOnly = deployment.decryptOnlyChannel("reader service");
        unary = SigningServiceGrpc.newBlockingStub(deployment.channel());
    }

    @AfterAll
    static void stop() throws Exception {
        decryptOnly.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        deployment.close();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({TestDeployment.RSA, TestDeployment.EC})
    void detached_verifiesWithOpenSsl_andCarriesWhatDigestModeSignCarries(String identity)
            throws Exception {
        Answer answer = signStream(deployment.channel(), header(identity, false), CONTENT,
                10_000);

        assertThat(answer.chunks()).isEmpty();
        assertThat(answer.result().getKeyVersion()).isEqualTo(identity + "/v1");
        assertThat(answer.result().getMicalg()).isEqualTo("sha-256");
        byte[] der = answer.result().getSignedData().toByteArray();
        assertVerifiesWithOpenSsl(der, false, CONTENT);
        SignResponse digestMode = unary.sign(SignRequest.newBuilder().setIdentity(identity)
                .setDigest(Digest.newBuilder().setAlgorithm(DigestAlgorithm.DIGEST_ALGORITHM_SHA256)
                        .setValue(ByteString.copyFrom(sha("SHA-256", CONTENT)))).build());
        assertSameSignatureShape(new CMSSignedData(new CMSProcessableByteArray(CONTENT), der),
                new CMSSignedData(new CMSProcessableByteArray(CONTENT),
                        digestMode.getSignedData().toByteArray()));
        assertThat(answer.result().getCertificate()).isEqualTo(digestMode.getCertificate());
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({
        TestDeployment.RSA + ", DIGEST_ALGORITHM_UNSPECIFIED, sha-256",
        TestDeployment.RSA + ", DIGEST_ALGORITHM_SHA512, sha-512",
        TestDeployment.EC + ", DIGEST_ALGORITHM_SHA384, sha-384",
    })
    void encapsulated_streamsBerThatOpenSslAndBouncyCastleVerify(String identity,
                                                                 DigestAlgorithm digest,
                                                                 String micalg) throws Exception {
        Answer answer = signStream(deployment.channel(), header(identity, true).toBuilder()
                .setDigestAlgorithm(digest).build(), CONTENT, 10_000);

        // Opening, a segment per 64 KiB of content, closing: streamed, not assembled.
        assertThat(answer.chunks()).hasSize(1 + (CONTENT.length + 65_535) / 65_536 + 1);
        assertThat(answer.result().getSignedData()).isEmpty();
        assertThat(answer.result().getMicalg()).isEqualTo(micalg);
        byte[] ber = answer.signedData();
        assertThat(ber).startsWith(0x30, 0x80); // indefinite length, as a stream generator writes
        assertVerifiesWithOpenSsl(ber, true, CONTENT);
        CMSSignedDataParser parser = new CMSSignedDataParser(
                new JcaDigestCalculatorProviderBuilder().setProvider(new BouncyCastleProvider())
                        .build(), ber);
        assertThat(parser.getSignedContent().getContentStream().readAllBytes()).isEqualTo(CONTENT);
        SignerInformation signer = parser.getSignerInfos().getSigners().iterator().next();
        X509CertificateHolder certificate = new X509CertificateHolder(
                answer.result().getCertificate().toByteArray());
        assertThat(signer.verify(new JcaSimpleSignerInfoVerifierBuilder()
                .setProvider(new BouncyCastleProvider()).build(certificate))).isTrue();
        SignResponse unaryEncapsulated = unary.sign(SignRequest.newBuilder().setIdentity(identity)
                .setContent(ByteString.copyFrom(CONTENT)).setEncapsulate(true)
                .setDigestAlgorithm(digest).build());
        assertSameSignatureShape(new CMSSignedData(ber),
                new CMSSignedData(unaryEncapsulated.getSignedData().toByteArray()));
    }

    @Test
    void encapsulated_ofEmptyContent_verifiesWithOpenSsl() throws Exception {
        Answer answer = signStream(deployment.channel(), header(TestDeployment.RSA, true),
                new byte[0], 1);

        assertThat(answer.chunks()).hasSize(2);
        assertVerifiesWithOpenSsl(answer.signedData(), true, new byte[0]);
    }

    @Test
    void successfulCall_writesOneSignRecord_withTheContentsSha256() throws Exception {
        byte[] content = content(70_000, 2);
        signStream(deployment.channel(), header(TestDeployment.EC, true), content, 7_000);

        String sha256 = HexFormat.of().formatHex(sha("SHA-256", content));
        List<Map<String, String>> records = records().stream()
                .filter(r -> sha256.equals(r.get("inputSha256"))).toList();
        assertThat(records).hasSize(1);
        assertThat(records.get(0)).containsEntry("event", "SIGN")
                .containsEntry("method", "smimed.v1.SigningService/SignStream")
                .containsEntry("identity", TestDeployment.EC)
                .containsEntry("keyVersion", TestDeployment.EC + "/v1")
                .containsEntry("status", "OK");
    }

    @Test
    void streamWithoutHeader_isInvalidArgument() {
        assertRefused(List.of(), Status.Code.INVALID_ARGUMENT,
                "no header: the first SignStream request must carry the identity and options");
    }

    @Test
    void chunkBeforeHeader_isInvalidArgument() {
        assertRefused(List.of(chunk(new byte[10]), request(header(TestDeployment.RSA, false))),
                Status.Code.INVALID_ARGUMENT, "the first SignStream request must carry the"
                        + " header (identity and options), not content");
    }

    @Test
    void secondHeader_isInvalidArgument() {
        assertRefused(List.of(request(header(TestDeployment.RSA, false)), chunk(new byte[10]),
                request(header(TestDeployment.RSA, false))), Status.Code.INVALID_ARGUMENT,
                "a second header: only the first SignStream request carries one");
    }

    @Test
    void unknownIdentity_isNotFound_asInSign() {
        String unknown = "nobody@smimed.example";
        StatusRuntimeException sign = catchThrowableOfType(StatusRuntimeException.class,
                () -> unary.sign(SignRequest.newBuilder().setIdentity(unknown)
                        .setContent(ByteString.copyFrom(CONTENT)).build()));

        assertThat(sign.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
        assertRefused(List.of(request(header(unknown, false)), chunk(CONTENT)),
                Status.Code.NOT_FOUND, sign.getStatus().getDescription());
    }

    @Test
    void algorithmTheKeyCannotUse_isInvalidArgument_asInSign() {
        SignStreamHeader ecdsaOnRsa = header(TestDeployment.RSA, false).toBuilder()
                .setSignatureAlgorithm(SignatureAlgorithm.SIGNATURE_ALGORITHM_ECDSA).build();

        assertRefused(List.of(request(ecdsaOnRsa), chunk(CONTENT)), Status.Code.INVALID_ARGUMENT,
                "signature algorithm ECDSA does not work with the RSA_2048 key of '"
                        + TestDeployment.RSA + "'");
    }

    @Test
    void callerWithoutSignPermission_isPermissionDenied_asInSign() {
        StatusRuntimeException sign = catchThrowableOfType(StatusRuntimeException.class,
                () -> SigningServiceGrpc.newBlockingStub(decryptOnly).sign(SignRequest.newBuilder()
                        .setIdentity(TestDeployment.RSA).setContent(ByteString.copyFrom(CONTENT))
                        .build()));
        StatusRuntimeException stream = catchThrowableOfType(StatusRuntimeException.class,
                () -> signStream(decryptOnly, header(TestDeployment.RSA, false), CONTENT, 10_000));

        assertThat(sign.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
        assertThat(stream.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
        assertThat(stream.getStatus().getDescription())
                .isEqualTo(sign.getStatus().getDescription());
    }

    @Test
    void contentOverTheSizeLimit_isInvalidArgumentNamingIt() {
        // Chunks well inside the in-flight budget, so only the size limit can refuse them.
        SignStreamRequest quarter = chunk(new byte[256 * 1024]);
        List<SignStreamRequest> requests = new ArrayList<>();
        requests.add(request(header(TestDeployment.RSA, false)));
        for (int i = 0; i < MAX_MESSAGE_BYTES / (256 * 1024); i++) {
            requests.add(quarter);
        }
        requests.add(chunk(new byte[1]));

        assertRefused(requests, Status.Code.INVALID_ARGUMENT, "content is larger than the"
                + " limit of " + MAX_MESSAGE_BYTES + " bytes (limits.maxMessageBytes)");
    }

    @Test
    void contentOfExactlyTheSizeLimit_isSigned() throws Exception {
        byte[] content = content(MAX_MESSAGE_BYTES, 3);

        Answer answer = signStream(deployment.channel(), header(TestDeployment.EC, false),
                content, 256 * 1024);

        assertVerifiesWithOpenSsl(answer.result().getSignedData().toByteArray(), false, content);
    }

    @Test
    void cancelledStream_holdingBytes_givesThemBack_andLeavesOneCancelledRecord()
            throws Exception {
        StalledStream stalled = StalledStream.open(deployment.channel());
        try {
            // The stalled stream holds the four 512 KiB chunks it asked for, of the caller's
            // 3 MiB: 1.5 MiB more from the same caller is too much.
            assertRefused(List.of(request(header(TestDeployment.RSA, false)),
                    chunk(new byte[PER_CALLER_BYTES / 2])), Status.Code.RESOURCE_EXHAUSTED,
                    "too many bytes in flight for this caller: over " + PER_CALLER_BYTES
                            + " (limits.maxInFlightBytesPerCaller); retry later");
        } finally {
            stalled.cancel();
        }

        // The whole budget in one chunk: fits only if the cancelled stream let go of all of it
        // (the daemon learns of the cancellation asynchronously, hence the retries).
        byte[] all = content(PER_CALLER_BYTES, 4);
        Answer answer = null;
        for (int attempt = 0; answer == null; attempt++) {
            try {
                answer = signStream(deployment.channel(), header(TestDeployment.RSA, false),
                        all, all.length);
            } catch (StatusRuntimeException e) {
                assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
                assertThat(attempt).as("budget still held 30 s after the cancellation")
                        .isLessThan(300);
                Thread.sleep(100);
            }
        }
        assertVerifiesWithOpenSsl(answer.result().getSignedData().toByteArray(), false, all);
        assertThat(records().stream().filter(r -> "CANCELLED".equals(r.get("status"))
                && r.get("method").endsWith("/SignStream")).toList()).hasSize(1);
    }

    // ---------------------------------------------------------------------------------------

    static void assertRefused(List<SignStreamRequest> requests, Status.Code code,
                              String description) {
        StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class,
                () -> call(deployment.channel(), requests));
        assertThat(e).as("the call must fail").isNotNull();
        assertThat(e.getStatus().getCode()).as(e.toString()).isEqualTo(code);
        assertThat(e.getStatus().getDescription()).isEqualTo(description);
    }

    /** Same signer, certificates, algorithms and signed attribute types, in the same order. */
    private static void assertSameSignatureShape(CMSSignedData streamed, CMSSignedData unary)
            throws Exception {
        SignerInformation a = streamed.getSignerInfos().getSigners().iterator().next();
        SignerInformation b = unary.getSignerInfos().getSigners().iterator().next();
        assertThat(streamed.getSignerInfos().size()).isEqualTo(1);
        assertThat(a.getSID()).isEqualTo(b.getSID());
        assertThat(a.getDigestAlgorithmID()).isEqualTo(b.getDigestAlgorithmID());
        assertThat(a.getEncryptionAlgOID()).isEqualTo(b.getEncryptionAlgOID());
        assertThat(streamed.getDigestAlgorithmIDs()).isEqualTo(unary.getDigestAlgorithmIDs());
        assertThat(streamed.getCertificates().getMatches(null))
                .containsExactlyElementsOf(unary.getCertificates().getMatches(null));
        assertThat(types(a)).containsExactlyElementsOf(types(b)).contains(
                CMSAttributes.contentType, CMSAttributes.signingTime, CMSAttributes.messageDigest,
                CMSAttributes.cmsAlgorithmProtect, SMIMEAttributes.encrypKeyPref);
        for (ASN1ObjectIdentifier same : List.of(CMSAttributes.contentType,
                CMSAttributes.messageDigest, CMSAttributes.cmsAlgorithmProtect,
                SMIMEAttributes.encrypKeyPref,
                new ASN1ObjectIdentifier("1.3.6.1.4.1.311.16.4"))) {
            assertThat(a.getSignedAttributes().get(same))
                    .isEqualTo(b.getSignedAttributes().get(same));
        }
        assertThat(a.getSignedAttributes().toASN1Structure().getAttributes()).hasSize(8);
    }

    private static List<ASN1ObjectIdentifier> types(SignerInformation signer) {
        List<ASN1ObjectIdentifier> types = new ArrayList<>();
        for (Attribute attribute : signer.getSignedAttributes().toASN1Structure()
                .getAttributes()) {
            types.add(attribute.getAttrType());
        }
        return types;
    }

    private static void assertVerifiesWithOpenSsl(byte[] signature, boolean encapsulated,
                                                  byte[] content) throws Exception {
        Path work = Files.createTempDirectory(dir, "openssl");
        Path in = Files.write(work.resolve("signature.der"), signature);
        Path data = Files.write(work.resolve("content.bin"), content);
        Path out = work.resolve("out.bin");
        List<String> command = new ArrayList<>(List.of("openssl", "cms", "-verify", "-binary",
                "-inform", "DER", "-in", in.toString(),
                "-CAfile", deployment.caCertificate().toString(), "-out", out.toString()));
        if (!encapsulated) {
            command.addAll(List.of("-content", data.toString()));
        }
        Processes.Result result = Processes.run(command, work);
        assertThat(result.exitCode()).as(result.stderr()).isZero();
        assertThat(result.stderr()).contains("Verification successful");
        assertThat(Files.readAllBytes(out)).isEqualTo(content);
    }

    private static List<Map<String, String>> records() throws Exception {
        return AuditRecords.read(deployment.auditFile());
    }

    static byte[] sha(String algorithm, byte[] data) throws Exception {
        return MessageDigest.getInstance(algorithm).digest(data);
    }

    static byte[] content(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }
}
