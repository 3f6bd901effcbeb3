package org.smimed.daemon.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.smimed.daemon.testing.TestDeployment.EC;
import static org.smimed.daemon.testing.TestDeployment.RSA;

import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.Status;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cms.CMSProcessableByteArray;
import org.bouncycastle.cms.CMSSignedData;
import org.bouncycastle.cms.SignerInformation;
import org.bouncycastle.cms.jcajce.JcaSimpleSignerInfoVerifierBuilder;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.smimed.api.v1.KeyAlgorithm;
import org.smimed.client.DecryptResult;
import org.smimed.client.DecryptedMessage;
import org.smimed.client.HashAlgorithm;
import org.smimed.client.IdentityInfo;
import org.smimed.client.SignResult;
import org.smimed.client.SigningRequest;
import org.smimed.client.SmimeClient;
import org.smimed.client.SmimeClientException;
import org.smimed.client.mime.Certificates;
import org.smimed.daemon.testing.CallRecorder;
import org.smimed.daemon.testing.OpenSsl;
import org.smimed.daemon.testing.Processes;
import org.smimed.daemon.testing.TestDeployment;

/**
 * The Java client library against the real daemon: real TLS gRPC, keys in SoftHSM2, messages
 * made by OpenSSL, signatures checked by Bouncy Castle.
 */
class SmimeClientIT {
    /** Room for the large message below; the default 1 MiB limit would refuse it. */
    private static final int LIMIT = 8 * 1024 * 1024;
    /** The request chunk the client library sends (its DecryptExchange.CHUNK). */
    private static final int CHUNK = 256 * 1024;
    private static final String GCM256 = "2.16.840.1.101.3.4.1.46";
    private static final String CBC256 = "2.16.840.1.101.3.4.1.42";
    private static final byte[] CONTENT = ("Content-Type: text/plain\r\n\r\nInvoice 4711:"
            + " 1.234,56 EUR\r\n").getBytes(StandardCharsets.UTF_8);

    @TempDir
    static Path dir;
    private static TestDeployment deployment;
    private static SmimeClient client;

    @BeforeAll
    static void start() throws Exception {
        deployment = TestDeployment.start(dir, LIMIT);
        client = new SmimeClient(deployment.channel(), Duration.ofSeconds(60));
    }

    @AfterAll
    static void stop() throws Exception {
        deployment.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {RSA, EC})
    void sign_digest_givesDetachedSignatureOverThatDigest(String identity) throws Exception {
        byte[] digest = MessageDigest.getInstance("SHA-256").digest(CONTENT);

        SignResult r = client.sign(SigningRequest.ofDigest(identity, HashAlgorithm.SHA256, digest));

        assertThat(r.micalg()).isEqualTo("sha-256");
        assertThat(r.keyVersion()).isEqualTo(identity + "/v1");
        assertThat(r.certificate()).isEqualTo(der(deployment.certificate(identity)));
        assertThat(new CMSSignedData(r.signedData()).getSignedContent()).isNull();
        assertThat(verifies(new CMSSignedData(new CMSProcessableByteArray(CONTENT),
                r.signedData()), identity)).isTrue();
        byte[] other = "Content-Type: text/plain\r\n\r\nInvoice 4711: 9.999,99 EUR\r\n"
                .getBytes(StandardCharsets.UTF_8);
        assertThat(verifies(new CMSSignedData(new CMSProcessableByteArray(other),
                r.signedData()), identity)).isFalse();
    }

    @org.junit.jupiter.api.Test
    void signBatch_returnsOneSignaturePerDigestInOrder() throws Exception {
        List<byte[]> contents = List.of(CONTENT, "second\r\n".getBytes(StandardCharsets.UTF_8),
                "third\r\n".getBytes(StandardCharsets.UTF_8));
        MessageDigest sha256 = MessageDigest.getInstance("SHA-256");

        List<SignResult> results = client.signBatch(RSA, HashAlgorithm.SHA256,
                contents.stream().map(sha256::digest).toList());

        assertThat(results).hasSize(3);
        for (int i = 0; i < 3; i++) {
            assertThat(verifies(new CMSSignedData(new CMSProcessableByteArray(contents.get(i)),
                    results.get(i).signedData()), RSA)).as("signature " + i).isTrue();
        }
    }

    @ParameterizedTest(name = "{0} encapsulate={1}")
    @CsvSource({
        "rsa-demo@smimed.example, false",
        "rsa-demo@smimed.example, true",
        "ec-demo@smimed.example, false",
        "ec-demo@smimed.example, true",
    })
    void sign_content_givesSignatureThatVerifiesWithBouncyCastle(String identity,
            boolean encapsulate) throws Exception {
        SignResult r = client.sign(SigningRequest.ofContent(identity, CONTENT, encapsulate, null));

        assertThat(r.micalg()).isEqualTo("sha-256");
        assertThat(r.keyVersion()).isEqualTo(identity + "/v1");
        CMSSignedData signed;
        if (encapsulate) {
            signed = new CMSSignedData(r.signedData());
            assertThat((byte[]) signed.getSignedContent().getContent()).isEqualTo(CONTENT);
        } else {
            assertThat(new CMSSignedData(r.signedData()).getSignedContent()).isNull();
            signed = new CMSSignedData(new CMSProcessableByteArray(CONTENT), r.signedData());
        }
        assertThat(verifies(signed, identity)).isTrue();
    }

    @Test
    void decrypt_largeOpenSslMessage_streamsExactBytesInBoundedChunks() throws Exception {
        byte[] plaintext = new byte[3 * 1024 * 1024 + 17];
        new SecureRandom().nextBytes(plaintext);
        byte[] cms = openSslEncrypt("-aes-256-gcm", plaintext, deployment.certificate(RSA));
        CallRecorder recorder = new CallRecorder();
        SmimeClient recorded = new SmimeClient(
                ClientInterceptors.intercept(deployment.channel(), recorder),
                Duration.ofSeconds(60));
        ByteArrayOutputStream out = new ByteArrayOutputStream();

        DecryptResult result = recorded.decrypt(RSA, new ByteArrayInputStream(cms), out);

        assertThat(out.toByteArray()).isEqualTo(plaintext);
        assertThat(result).isEqualTo(
                new DecryptResult(RSA, RSA + "/v1", GCM256, true, plaintext.length));
        assertThat(recorder.chunkSizes).hasSize((cms.length + CHUNK - 1) / CHUNK)
                .allMatch(n -> n <= CHUNK).first().isEqualTo(CHUNK);
        assertThat(recorder.chunkSizes.stream().mapToInt(Integer::intValue).sum())
                .isEqualTo(cms.length);
        assertThat(recorder.identities.get(0)).isEqualTo(RSA);
        assertThat(recorder.identities.subList(1, recorder.identities.size())).containsOnly("");
    }

    @Test
    void decrypt_ofAMessageWithin64KiB_isOneDecryptMessageCall_andLongerOnesStream()
            throws Exception {
        byte[] small = openSslEncrypt("-aes-256-gcm", CONTENT, deployment.certificate(RSA));
        byte[] justOver = new byte[64 * 1024];
        new SecureRandom().nextBytes(justOver);
        byte[] large = openSslEncrypt("-aes-256-gcm", justOver, deployment.certificate(RSA));
        CallRecorder recorder = new CallRecorder();
        SmimeClient recorded = new SmimeClient(
                ClientInterceptors.intercept(deployment.channel(), recorder),
                Duration.ofSeconds(60));
        ByteArrayOutputStream smallOut = new ByteArrayOutputStream();
        ByteArrayOutputStream largeOut = new ByteArrayOutputStream();

        DecryptResult smallResult = recorded.decrypt(RSA, new ByteArrayInputStream(small),
                smallOut);
        DecryptResult largeResult = recorded.decrypt(RSA, new ByteArrayInputStream(large),
                largeOut);

        assertThat(smallOut.toByteArray()).isEqualTo(CONTENT);
        assertThat(smallResult).isEqualTo(
                new DecryptResult(RSA, RSA + "/v1", GCM256, true, CONTENT.length));
        assertThat(largeOut.toByteArray()).isEqualTo(justOver);
        assertThat(largeResult.plaintextLength()).isEqualTo(justOver.length);
        assertThat(large.length).isGreaterThan(64 * 1024);
        assertThat(recorder.methods).containsExactly("DecryptMessage", "Decrypt");
        assertThat(recorder.chunkSizes.stream().mapToInt(Integer::intValue).sum())
                .as("the streamed message, the bytes read ahead included").isEqualTo(large.length);
    }

    @Test
    void decrypt_againstADaemonWithoutDecryptMessage_streamsInstead() throws Exception {
        byte[] small = openSslEncrypt("-aes-256-cbc", CONTENT, deployment.certificate(RSA));
        CallRecorder recorder = new CallRecorder();
        // What a daemon older than DecryptMessage answers: UNIMPLEMENTED, before any work.
        ClientInterceptor olderDaemon = CallRecorder.without("DecryptMessage");
        SmimeClient client = new SmimeClient(ClientInterceptors.intercept(deployment.channel(),
                olderDaemon, recorder), Duration.ofSeconds(60));
        ByteArrayOutputStream out = new ByteArrayOutputStream();

        DecryptResult result = client.decrypt(null, new ByteArrayInputStream(small), out);

        assertThat(out.toByteArray()).isEqualTo(CONTENT);
        assertThat(result).isEqualTo(new DecryptResult(RSA, RSA + "/v1", CBC256, false,
                CONTENT.length));
        assertThat(recorder.methods).containsExactly("DecryptMessage", "Decrypt");
    }

    @Test
    void decrypt_cbcWithoutIdentity_findsTheKeyAndReportsUnauthenticated() throws Exception {
        byte[] cms = openSslEncrypt("-aes-256-cbc", CONTENT, deployment.certificate(RSA));
        ByteArrayOutputStream out = new ByteArrayOutputStream();

        DecryptResult result = client.decrypt(null, new ByteArrayInputStream(cms), out);

        assertThat(out.toByteArray()).isEqualTo(CONTENT);
        assertThat(result).isEqualTo(new DecryptResult(RSA, RSA + "/v1", CBC256, false,
                CONTENT.length));
    }

    @Test
    void decryptMessage_givesThePlaintextInOneCall() throws Exception {
        byte[] gcm = openSslEncrypt("-aes-256-gcm", CONTENT, deployment.certificate(RSA));
        byte[] cbc = openSslEncrypt("-aes-256-cbc", CONTENT, deployment.certificate(RSA));

        DecryptedMessage authenticated = client.decryptMessage(RSA, gcm);
        DecryptedMessage unauthenticated = client.decryptMessage(null, cbc);

        assertThat(authenticated.plaintext()).isEqualTo(CONTENT);
        assertThat(authenticated.result()).isEqualTo(
                new DecryptResult(RSA, RSA + "/v1", GCM256, true, CONTENT.length));
        assertThat(unauthenticated.plaintext()).isEqualTo(CONTENT);
        assertThat(unauthenticated.result()).isEqualTo(
                new DecryptResult(RSA, RSA + "/v1", CBC256, false, CONTENT.length));
        assertThat(authenticated.toString()).contains(RSA).doesNotContain("Invoice 4711");
        assertThatThrownBy(() -> client.decryptMessage(null, openSslEncrypt("-aes-256-gcm",
                CONTENT, strangerCertificate())))
                .isInstanceOfSatisfying(SmimeClientException.class, e -> {
                    assertThat(e.code()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                    assertThat(e.description()).isEqualTo("decryption failed");
                });
    }

    @Test
    void decrypt_failures_throwInvalidArgumentDecryptionFailed() throws Exception {
        byte[] cms = openSslEncrypt("-aes-256-gcm", CONTENT, strangerCertificate());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertThatThrownBy(() -> client.decrypt(null, new ByteArrayInputStream(cms), out))
                .isInstanceOfSatisfying(SmimeClientException.class, e -> {
                    assertThat(e.code()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                    assertThat(e.description()).isEqualTo("decryption failed");
                })
                .hasMessage("INVALID_ARGUMENT: decryption failed");
        assertThat(out.size()).isZero();
        // Text that is no CMS at all is named instead: DecryptionIT.
    }

    @Test
    void decrypt_overTheLimit_failsWhileStillSendingWithInvalidArgument() throws Exception {
        // Well formed with indefinite lengths (openssl -stream), so only the byte count can tell
        // it is too large: the daemon decrypts it as it arrives and stops at the limit.
        byte[] plaintext = new byte[LIMIT + 3 * CHUNK];
        new java.util.Random(13).nextBytes(plaintext);
        Path work = Files.createTempDirectory(dir, "too-large");
        Path in = Files.write(work.resolve("plain.bin"), plaintext);
        Path out = work.resolve("message.ber");
        Processes.check(List.of("openssl", "cms", "-encrypt", "-binary", "-stream",
                "-aes-256-cbc", "-in", in.toString(), "-outform", "DER", "-out", out.toString(),
                deployment.certificate(RSA).toString()), work);
        byte[] tooLarge = Files.readAllBytes(out);

        assertThatThrownBy(() -> client.decrypt(RSA, new ByteArrayInputStream(tooLarge),
                new ByteArrayOutputStream()))
                .isInstanceOfSatisfying(SmimeClientException.class, e -> {
                    assertThat(e.code()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                    assertThat(e.description()).isEqualTo("message is larger than the limit of "
                            + LIMIT + " bytes (limits.maxMessageBytes)");
                });
    }

    @Test
    void sign_unknownIdentity_throwsNotFound() {
        assertThatThrownBy(() -> client.sign(SigningRequest.ofContent("nobody@smimed.example",
                CONTENT, false, null)))
                .isInstanceOfSatisfying(SmimeClientException.class, e -> {
                    assertThat(e.code()).isEqualTo(Status.Code.NOT_FOUND);
                    // The id the daemon's audit record has, for an operator to find it by.
                    assertThat(e.requestId()).hasValueSatisfying(id -> assertThat(
                            deployment.auditFile()).content().contains("\"requestId\":\"" + id
                            + "\""));
                })
                .hasMessage("NOT_FOUND: unknown identity 'nobody@smimed.example'");
    }

    /**
     * A streamed Decrypt that fails names the daemon's request id too (found in review: only
     * unary calls did), the one its log and audit record carry.
     */
    @Test
    void decrypt_streamedAndFailing_carriesTheRequestId() {
        byte[] large = new byte[200_000];
        new java.util.Random(7).nextBytes(large);
        // A SEQUENCE claiming all the rest (past 64 KiB, so the client streams it).
        int rest = large.length - 5;
        large[0] = 0x30;
        large[1] = (byte) 0x83;
        large[2] = (byte) (rest >> 16);
        large[3] = (byte) (rest >> 8);
        large[4] = (byte) rest;

        assertThatThrownBy(() -> client.decrypt(null, new ByteArrayInputStream(large),
                new ByteArrayOutputStream()))
                .isInstanceOfSatisfying(SmimeClientException.class, e -> {
                    assertThat(e.code()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                    assertThat(e.requestId()).hasValueSatisfying(id -> assertThat(
                            deployment.auditFile()).content().contains("\"requestId\":\"" + id
                            + "\""));
                });
    }

    @Test
    void decrypt_unknownIdentity_throwsNotFound() throws Exception {
        byte[] cms = openSslEncrypt("-aes-256-gcm", CONTENT, deployment.certificate(RSA));

        assertThatThrownBy(() -> client.decrypt("nobody@smimed.example",
                new ByteArrayInputStream(cms), new ByteArrayOutputStream()))
                .isInstanceOfSatisfying(SmimeClientException.class,
                        e -> assertThat(e.code()).isEqualTo(Status.Code.NOT_FOUND))
                .hasMessage("NOT_FOUND: unknown identity 'nobody@smimed.example'");
    }

    @Test
    void listIdentities_givesBothDemoIdentitiesWithTheirChains() throws Exception {
        Map<String, IdentityInfo> listed = client.listIdentities().stream()
                .collect(Collectors.toMap(IdentityInfo::identity, Function.identity()));

        assertThat(listed).containsOnlyKeys(RSA, EC);
        assertDescribes(listed.get(RSA), RSA, KeyAlgorithm.KEY_ALGORITHM_RSA_2048);
        assertDescribes(listed.get(EC), EC, KeyAlgorithm.KEY_ALGORITHM_EC_P256);
    }

    @Test
    void getIdentity_givesOneIdentity_andNotFoundForStrangers() throws Exception {
        assertDescribes(client.getIdentity(EC), EC, KeyAlgorithm.KEY_ALGORITHM_EC_P256);
        assertThatThrownBy(() -> client.getIdentity("nobody@smimed.example"))
                .isInstanceOfSatisfying(SmimeClientException.class,
                        e -> assertThat(e.code()).isEqualTo(Status.Code.NOT_FOUND));
    }

    private static void assertDescribes(IdentityInfo info, String identity,
                                        KeyAlgorithm algorithm)
            throws Exception {
        assertThat(info.identity()).isEqualTo(identity);
        assertThat(info.keyVersion()).isEqualTo(identity + "/v1");
        assertThat(info.keyAlgorithm()).isEqualTo(algorithm);
        assertThat(info.certificateChain()).usingElementComparator(Arrays::compare)
                .containsExactly(der(deployment.certificate(identity)),
                        der(deployment.caCertificate()));
        assertThat(info.smimeCapabilities()).isNotEmpty();
    }

    /** Whether the only signer's signature verifies with the identity's certificate. */
    private static boolean verifies(CMSSignedData signed, String identity) throws Exception {
        SignerInformation signer = signed.getSignerInfos().getSigners().iterator().next();
        X509CertificateHolder certificate = new X509CertificateHolder(
                der(deployment.certificate(identity)));
        assertThat(signer.getSID().match(certificate)).isTrue();
        try {
            return signer.verify(new JcaSimpleSignerInfoVerifierBuilder()
                    .setProvider(new BouncyCastleProvider()).build(certificate));
        } catch (org.bouncycastle.cms.CMSSignerDigestMismatchException e) {
            return false;
        }
    }

    private static byte[] der(Path pem) throws Exception {
        return Certificates.read(pem).get(0).getEncoded();
    }

    private static byte[] openSslEncrypt(String cipher, byte[] plaintext, Path recipient)
            throws Exception {
        return OpenSsl.encrypt(dir, cipher, plaintext, recipient);
    }

    private static Path strangerCertificate() throws Exception {
        return OpenSsl.strangerCertificate(dir);
    }
}
