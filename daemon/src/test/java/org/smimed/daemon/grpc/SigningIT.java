package org.smimed.daemon.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.cms.AttributeTable;
import org.bouncycastle.asn1.cms.CMSAlgorithmProtection;
import org.bouncycastle.asn1.cms.CMSAttributes;
import org.bouncycastle.asn1.ess.SigningCertificateV2;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cms.CMSProcessableByteArray;
import org.bouncycastle.cms.CMSSignedData;
import org.bouncycastle.cms.SignerInformation;
import org.bouncycastle.cms.jcajce.JcaSimpleSignerInfoVerifierBuilder;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.smimed.api.v1.Digest;
import org.smimed.api.v1.DigestAlgorithm;
import org.smimed.api.v1.SignRequest;
import org.smimed.api.v1.SignResponse;
import org.smimed.api.v1.SigningServiceGrpc;
import org.smimed.daemon.testing.Processes;
import org.smimed.daemon.testing.TestDeployment;

/** Sign over real TLS gRPC with keys in SoftHSM2; verified by Bouncy Castle and OpenSSL. */
class SigningIT {
    private static final byte[] CONTENT = ("Content-Type: text/plain\r\n\r\nInvoice 4711:"
            + " 1.234,56 EUR\r\n").getBytes(StandardCharsets.UTF_8);

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

    @ParameterizedTest(name = "{0} {1} encapsulate={2}")
    @CsvSource({
        "rsa-demo@smimed.example, content, false",
        "rsa-demo@smimed.example, content, true",
        "rsa-demo@smimed.example, digest, false",
        "ec-demo@smimed.example, content, false",
        "ec-demo@smimed.example, content, true",
        "ec-demo@smimed.example, digest, false",
    })
    void sign_verifiesWithBouncyCastleAndOpenSsl(String identity, String mode,
                                                 boolean encapsulate) throws Exception {
        SignRequest.Builder request = SignRequest.newBuilder().setIdentity(identity)
                .setEncapsulate(encapsulate);
        if (mode.equals("digest")) {
            request.setDigest(Digest.newBuilder()
                    .setAlgorithm(DigestAlgorithm.DIGEST_ALGORITHM_SHA256)
                    .setValue(ByteString.copyFrom(MessageDigest.getInstance("SHA-256")
                            .digest(CONTENT))));
        } else {
            request.setContent(ByteString.copyFrom(CONTENT));
        }
        SignResponse response = signing.sign(request.build());

        assertThat(response.getKeyVersion()).isEqualTo(identity + "/v1");
        assertThat(response.getMicalg()).isEqualTo("sha-256");
        byte[] der = response.getSignedData().toByteArray();
        CMSSignedData signed = encapsulate ? new CMSSignedData(der)
                : new CMSSignedData(new CMSProcessableByteArray(CONTENT), der);
        if (encapsulate) {
            assertThat((byte[]) signed.getSignedContent().getContent()).isEqualTo(CONTENT);
        } else {
            assertThat(new CMSSignedData(der).getSignedContent()).isNull();
        }
        assertVerifiesWithBouncyCastle(signed, response);
        assertVerifiesWithOpenSsl(der, encapsulate);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"rsa-demo@smimed.example", "ec-demo@smimed.example"})
    void signBatch_signsEveryDigestInOrder(String identity) throws Exception {
        List<byte[]> contents = new ArrayList<>();
        // Named in capitals: identities are found in any case and recorded in lower case.
        org.smimed.api.v1.SignBatchRequest.Builder batch = org.smimed.api.v1.SignBatchRequest
                .newBuilder().setIdentity(identity.toUpperCase(java.util.Locale.ROOT));
        for (int i = 0; i < 64; i++) {
            byte[] content = ("message " + i + "\r\n").getBytes(StandardCharsets.US_ASCII);
            contents.add(content);
            batch.addDigests(Digest.newBuilder()
                    .setAlgorithm(DigestAlgorithm.DIGEST_ALGORITHM_SHA256)
                    .setValue(ByteString.copyFrom(MessageDigest.getInstance("SHA-256")
                            .digest(content))));
        }

        org.smimed.api.v1.SignBatchResponse response = signing.signBatch(batch.build());

        assertThat(response.getSignedDataCount()).isEqualTo(64);
        assertThat(response.getKeyVersion()).isEqualTo(identity + "/v1");
        X509CertificateHolder certificate = new X509CertificateHolder(
                response.getCertificate().toByteArray());
        for (int i = 0; i < 64; i++) {
            CMSSignedData signed = new CMSSignedData(new CMSProcessableByteArray(contents.get(i)),
                    response.getSignedData(i).toByteArray());
            SignerInformation signer = signed.getSignerInfos().getSigners().iterator().next();
            assertThat(signer.verify(new JcaSimpleSignerInfoVerifierBuilder()
                    .setProvider(new BouncyCastleProvider()).build(certificate)))
                    .as("signature " + i + " over its own digest").isTrue();
        }
        // One record for the call, under the same event as Sign, so that an auditor asking
        // what a key signed finds batches too; its input hash is that of the whole request.
        String inputSha256 = java.util.HexFormat.of().formatHex(MessageDigest
                .getInstance("SHA-256").digest(batch.build().toByteArray()));
        List<String> records = Files.readAllLines(deployment.auditFile()).stream()
                .filter(line -> line.contains("\"inputSha256\":\"" + inputSha256 + "\""))
                .toList();
        assertThat(records).hasSize(1);
        assertThat(records.get(0)).contains("\"event\":\"SIGN\"",
                "\"method\":\"smimed.v1.SigningService/SignBatch\"",
                "\"identity\":\"" + identity + "\"", "\"keyVersion\":\"" + identity + "/v1\"",
                "\"status\":\"OK\",\"detail\":\"digests=64\"");
    }

    /**
     * A caller whose deadline passes gets nothing more from its batch: the daemon stops
     * spending token time on it, and the audit does not record a success the caller never
     * saw (found by an outside trial: 1,024 signatures made and "OK" after the caller left).
     */
    @org.junit.jupiter.api.Test
    void signBatch_pastItsDeadline_stopsAndIsNotAuditedAsOk() throws Exception {
        var batch = org.smimed.api.v1.SignBatchRequest.newBuilder()
                .setIdentity(TestDeployment.RSA);
        java.util.Random random = new java.util.Random(7);
        for (int i = 0; i < 1024; i++) {
            byte[] digest = new byte[32];
            random.nextBytes(digest);
            batch.addDigests(Digest.newBuilder()
                    .setAlgorithm(DigestAlgorithm.DIGEST_ALGORITHM_SHA256)
                    .setValue(ByteString.copyFrom(digest)));
        }
        String inputSha256 = java.util.HexFormat.of().formatHex(MessageDigest
                .getInstance("SHA-256").digest(batch.build().toByteArray()));

        // A connection already up and a warm client, so the 100 ms go to the daemon's work,
        // not to a TLS handshake that could use them up before the request is sent.
        assertThat(signing.signBatch(org.smimed.api.v1.SignBatchRequest.newBuilder()
                .setIdentity(TestDeployment.RSA).addDigests(batch.getDigests(0)).build())
                .getSignedDataCount()).isEqualTo(1);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> signing
                .withDeadlineAfter(100, java.util.concurrent.TimeUnit.MILLISECONDS)
                .signBatch(batch.build()))
                .isInstanceOfSatisfying(io.grpc.StatusRuntimeException.class, e -> assertThat(
                        e.getStatus().getCode()).isEqualTo(io.grpc.Status.Code.DEADLINE_EXCEEDED));

        // The record is written when the daemon ends the call; wait for it, not for a time.
        List<String> records = List.of();
        for (int i = 0; i < 300 && records.isEmpty(); i++) {
            Thread.sleep(100);
            records = Files.readAllLines(deployment.auditFile()).stream()
                    .filter(line -> line.contains("\"inputSha256\":\"" + inputSha256 + "\""))
                    .toList();
        }
        assertThat(records).hasSize(1);
        assertThat(records.get(0)).contains("\"method\":\"smimed.v1.SigningService/SignBatch\"")
                .doesNotContain("\"status\":\"OK\"");
    }

    @org.junit.jupiter.api.Test
    void signBatch_refusesEmptyOversizedAndMixedBatches() {
        Digest sha256 = Digest.newBuilder().setAlgorithm(DigestAlgorithm.DIGEST_ALGORITHM_SHA256)
                .setValue(ByteString.copyFrom(new byte[32])).build();
        Digest sha384 = Digest.newBuilder().setAlgorithm(DigestAlgorithm.DIGEST_ALGORITHM_SHA384)
                .setValue(ByteString.copyFrom(new byte[48])).build();
        var empty = org.smimed.api.v1.SignBatchRequest.newBuilder()
                .setIdentity(TestDeployment.RSA);
        var oversized = empty.clone();
        for (int i = 0; i < 1025; i++) {
            oversized.addDigests(sha256);
        }
        var mixed = empty.clone().addDigests(sha256).addDigests(sha384);
        // Each with its own reason (a test review: any of the two passed for all three).
        var refusals = java.util.Map.of(empty.build(), "a batch holds 1 to 1024 digests, got 0",
                oversized.build(), "a batch holds 1 to 1024 digests, got 1025",
                mixed.build(), "all digests of a batch must use one algorithm");
        refusals.forEach((request, why) -> org.assertj.core.api.Assertions.assertThatThrownBy(
                () -> signing.signBatch(request))
                .isInstanceOfSatisfying(io.grpc.StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode())
                            .isEqualTo(io.grpc.Status.Code.INVALID_ARGUMENT);
                    assertThat(e.getStatus().getDescription()).isEqualTo(why);
                }));
    }

    private void assertVerifiesWithBouncyCastle(CMSSignedData signed, SignResponse response)
            throws Exception {
        SignerInformation signer = signed.getSignerInfos().getSigners().iterator().next();
        X509CertificateHolder certificate = new X509CertificateHolder(
                response.getCertificate().toByteArray());
        assertThat(signer.getSID().match(certificate)).isTrue();
        assertThat(signer.verify(new JcaSimpleSignerInfoVerifierBuilder()
                .setProvider(new BouncyCastleProvider()).build(certificate))).isTrue();
        assertThat(signed.getCertificates().getMatches(null)).hasSize(2);

        AttributeTable attributes = signer.getSignedAttributes();
        List<ASN1ObjectIdentifier> required = List.of(CMSAttributes.contentType,
                CMSAttributes.signingTime, CMSAttributes.messageDigest,
                CMSAttributes.cmsAlgorithmProtect,
                PKCSObjectIdentifiers.pkcs_9_at_smimeCapabilities,
                PKCSObjectIdentifiers.id_aa_signingCertificateV2);
        List<ASN1ObjectIdentifier> missing = new ArrayList<>();
        for (ASN1ObjectIdentifier oid : required) {
            if (attributes.get(oid) == null) {
                missing.add(oid);
            }
        }
        assertThat(missing).as("missing signed attributes").isEmpty();

        CMSAlgorithmProtection protection = CMSAlgorithmProtection.getInstance(
                attributes.get(CMSAttributes.cmsAlgorithmProtect).getAttrValues().getObjectAt(0));
        assertThat(protection.getSignatureAlgorithm().getAlgorithm())
                .isEqualTo(signer.toASN1Structure().getDigestEncryptionAlgorithm().getAlgorithm());
        SigningCertificateV2 essCert = SigningCertificateV2.getInstance(attributes.get(
                PKCSObjectIdentifiers.id_aa_signingCertificateV2).getAttrValues().getObjectAt(0));
        assertThat(essCert.getCerts()[0].getCertHash()).isEqualTo(
                MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded()));
    }

    private void assertVerifiesWithOpenSsl(byte[] der, boolean encapsulate) throws Exception {
        Path work = Files.createTempDirectory(dir, "openssl");
        Path signature = Files.write(work.resolve("signature.der"), der);
        Path content = Files.write(work.resolve("content.bin"), CONTENT);
        Path out = work.resolve("out.bin");
        List<String> command = new ArrayList<>(List.of("openssl", "cms", "-verify", "-binary",
                "-inform", "DER", "-in", signature.toString(),
                "-CAfile", deployment.caCertificate().toString(), "-out", out.toString()));
        if (!encapsulate) {
            command.addAll(List.of("-content", content.toString()));
        }
        Processes.Result result = Processes.run(command, work);
        assertThat(result.exitCode()).as(result.stderr()).isZero();
        assertThat(result.stderr()).contains("Verification successful");
        assertThat(Files.readAllBytes(out)).isEqualTo(CONTENT);
    }
}
