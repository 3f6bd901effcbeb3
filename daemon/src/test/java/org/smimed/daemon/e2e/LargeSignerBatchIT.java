package org.smimed.daemon.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.smimed.api.v1.Digest;
import org.smimed.api.v1.DigestAlgorithm;
import org.smimed.api.v1.SignBatchRequest;
import org.smimed.api.v1.SignBatchResponse;
import org.smimed.api.v1.SigningServiceGrpc;
import org.smimed.daemon.Daemon;
import org.smimed.daemon.config.ConfigLoader;
import org.smimed.daemon.testing.OfficerCa;
import org.smimed.daemon.testing.Smimectl;
import org.smimed.daemon.testing.TestDeployment;

/**
 * SignBatch for a signer whose certificates are large (a firm's CA writes long policy texts,
 * or the chain has intermediates): every SignedData carries them, so 1,024 signatures can
 * pass the 4 MiB a gRPC client accepts by default. A security review found the daemon signed
 * and audited such a batch OK and the caller's own client then refused the answer.
 */
class LargeSignerBatchIT {
    private static final String ID = "large-signer@smimed.example";
    private static final Pattern AT_MOST = Pattern.compile("send at most (\\d+) digests");

    @TempDir
    static Path dir;
    private static Daemon daemon;
    private static ManagedChannel channel;

    @BeforeAll
    static void start() throws Exception {
        Path config = TestDeployment.provisionedConfig(dir, "large-signer");
        TestDeployment.addConfig(config, "admin: {listen: {address: 127.0.0.1, port: 0}}");
        daemon = Daemon.start(new ConfigLoader().load(config), System::getenv,
                Clock.systemUTC());
        channel = org.smimed.client.Channels.tls("localhost:" + daemon.port(),
                dir.resolve("pki/ca.crt"), dir.resolve("pki/client.crt"),
                dir.resolve("pki/client.key"));
        activateWithALargeCertificate();
    }

    @AfterAll
    static void stop() throws Exception {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        daemon.close();
    }

    @Test
    void aBatchWhoseAnswerWouldPassFourMiB_isRefusedNamingWhatFits_andWhatFitsIsAnswered()
            throws Exception {
        StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class,
                () -> signBatch(1024));

        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(e.getStatus().getDescription()).startsWith("a batch of 1024 signatures as "
                + ID + "/v1 would answer up to ").contains("more than gRPC's default 4 MiB");
        Matcher most = AT_MOST.matcher(e.getStatus().getDescription());
        assertThat(most.find()).as(e.getStatus().getDescription()).isTrue();
        int fits = Integer.parseInt(most.group(1));
        assertThat(fits).isBetween(100, 1023);

        // Through a client with gRPC's default inbound limit, as every caller has.
        SignBatchResponse answer = signBatch(fits);
        assertThat(answer.getSignedDataCount()).isEqualTo(fits);
        assertThat(answer.getSerializedSize()).isLessThanOrEqualTo(4 * 1024 * 1024);
    }

    private static SignBatchResponse signBatch(int digests) throws Exception {
        SignBatchRequest.Builder request = SignBatchRequest.newBuilder().setIdentity(ID);
        for (int i = 0; i < digests; i++) {
            request.addDigests(Digest.newBuilder()
                    .setAlgorithm(DigestAlgorithm.DIGEST_ALGORITHM_SHA256)
                    .setValue(ByteString.copyFrom(MessageDigest.getInstance("SHA-256")
                            .digest(("message " + i).getBytes()))));
        }
        return SigningServiceGrpc.newBlockingStub(channel)
                .withDeadlineAfter(60, TimeUnit.SECONDS).signBatch(request.build());
    }

    /**
     * {@code ID}/v1, generated in the token as an officer would, certified by the test CA with
     * a 5,000-character comment (what a CA's long policy statement costs), then activated.
     */
    private static void activateWithALargeCertificate() throws Exception {
        Smimectl officer = Smimectl.demoOfficer(dir, "localhost:" + daemon.adminPort());
        officer.ok("generate", ID, "--alg", "p256", "--usage", "sign");
        Path csr = dir.resolve("large.csr");
        Files.writeString(csr, officer.ok("csr", ID + "/v1", "--subject",
                "CN=Large signer,O=smimed test", "--out", "-"));
        byte[] request;
        try (PEMParser pem = new PEMParser(Files.newBufferedReader(csr))) {
            request = ((PKCS10CertificationRequest) pem.readObject()).getEncoded();
        }
        OfficerCa ca = OfficerCa.create(Clock.systemUTC());
        X509Certificate certificate = ca.issueWithOpenSsl(dir.resolve("large"), request,
                "subjectAltName=email:" + ID + "\nkeyUsage=critical,digitalSignature\n"
                        + "extendedKeyUsage=emailProtection\nnsComment=" + "x".repeat(5000)
                        + "\n");
        assertThat(certificate.getEncoded().length).isGreaterThan(5000);
        officer.ok("import-cert", ID + "/v1",
                ca.writeChain(dir.resolve("large.pem"), certificate).toString());
        officer.ok("activate", ID + "/v1");
    }
}
