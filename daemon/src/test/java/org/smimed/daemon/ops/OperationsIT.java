package org.smimed.daemon.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.reflection.v1.ServiceResponse;
import io.grpc.stub.StreamObserver;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
import org.smimed.api.v1.SignRequest;
import org.smimed.api.v1.SigningServiceGrpc;
import org.smimed.daemon.Daemon;
import org.smimed.daemon.Release;
import org.smimed.daemon.testing.DecryptCall;
import org.smimed.daemon.testing.HealthWatch;
import org.smimed.daemon.testing.RawCalls;
import org.smimed.daemon.testing.TestDeployment;

/** What operators see: gRPC health, reflection for tools, and Prometheus metrics. */
class OperationsIT {
    @TempDir
    static Path dir;
    private static TestDeployment deployment;
    private static Daemon daemon;
    private static ManagedChannel channel;

    @BeforeAll
    static void start() throws Exception {
        deployment = TestDeployment.start(dir, List.of(), """
                operations:
                  healthListen: {address: 127.0.0.1, port: 0}
                  metricsListen: {address: 127.0.0.1, port: 0}
                  reflection: true
                  probeIntervalSeconds: 1
                """);
        daemon = deployment.daemon();
        channel = deployment.channel();
    }

    @AfterAll
    static void stop() throws Exception {
        deployment.close();
    }

    @Test
    void health_isServingForTheServerAndEachService() {
        var health = HealthGrpc.newBlockingStub(channel);
        for (String service : List.of("", "smimed.v1.SigningService",
                "smimed.v1.DecryptionService", "smimed.v1.DirectoryService")) {
            assertThat(health.check(HealthCheckRequest.newBuilder().setService(service).build())
                    .getStatus()).as(service).isEqualTo(ServingStatus.SERVING);
        }
    }

    @Test
    void healthOnlyListener_answersWithoutTls_andServesNothingElse() throws Exception {
        ManagedChannel plain = Grpc.newChannelBuilderForAddress("127.0.0.1", daemon.healthPort(),
                InsecureChannelCredentials.create()).build();
        try {
            assertThat(HealthGrpc.newBlockingStub(plain).check(HealthCheckRequest.newBuilder()
                    .setService("smimed.v1.SigningService").build()).getStatus())
                    .isEqualTo(ServingStatus.SERVING);
            StatusRuntimeException refused = org.junit.jupiter.api.Assertions.assertThrows(
                    StatusRuntimeException.class, () -> SigningServiceGrpc.newBlockingStub(plain)
                            .sign(SignRequest.newBuilder().setIdentity(TestDeployment.RSA)
                                    .setContent(ByteString.copyFromUtf8("x")).build()));
            assertThat(refused.getStatus().getCode()).isEqualTo(io.grpc.Status.Code.UNIMPLEMENTED);
        } finally {
            plain.shutdownNow();
        }
    }

    /**
     * A watch answers at once with the current status, and reflection answers each request
     * before the next is sent (as grpcurl does): the audit chain holds back only the last
     * message of smimed's own streams, never a reply these callers wait for.
     */
    @Test
    void healthWatchAndAReflectionConversation_getEachAnswerAsItComes() throws Exception {
        CompletableFuture<ServingStatus> watched = new CompletableFuture<>();
        io.grpc.Context.CancellableContext watch = io.grpc.Context.current().withCancellation();
        watch.run(() -> HealthGrpc.newStub(channel).watch(HealthCheckRequest.newBuilder()
                .setService("smimed.v1.SigningService").build(), new StreamObserver<>() {
                    @Override
                    public void onNext(io.grpc.health.v1.HealthCheckResponse r) {
                        watched.complete(r.getStatus());
                    }

                    @Override
                    public void onError(Throwable t) {
                        watched.completeExceptionally(t);
                    }

                    @Override
                    public void onCompleted() {
                    }
                }));
        long cancelledBefore = count("grpc.health.v1.Health", "Watch", "CANCELLED");
        try {
            assertThat(watched.get(10, TimeUnit.SECONDS)).isEqualTo(ServingStatus.SERVING);
        } finally {
            watch.cancel(null);
        }
        // A call the client cancels is counted too (found by a fuzz trial: it was not).
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (count("grpc.health.v1.Health", "Watch", "CANCELLED") == cancelledBefore
                && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(count("grpc.health.v1.Health", "Watch", "CANCELLED"))
                .isEqualTo(cancelledBefore + 1);

        java.util.concurrent.BlockingQueue<ServerReflectionResponse> answers =
                new java.util.concurrent.LinkedBlockingQueue<>();
        StreamObserver<ServerReflectionRequest> requests = ServerReflectionGrpc.newStub(channel)
                .serverReflectionInfo(new StreamObserver<>() {
                    @Override
                    public void onNext(ServerReflectionResponse r) {
                        answers.add(r);
                    }

                    @Override
                    public void onError(Throwable t) {
                    }

                    @Override
                    public void onCompleted() {
                    }
                });
        try {
            requests.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
            assertThat(answers.poll(10, TimeUnit.SECONDS)).as("first answer").isNotNull();
            requests.onNext(ServerReflectionRequest.newBuilder()
                    .setFileContainingSymbol("smimed.v1.SigningService").build());
            ServerReflectionResponse second = answers.poll(10, TimeUnit.SECONDS);
            assertThat(second).as("second answer").isNotNull();
            assertThat(second.hasFileDescriptorResponse()).isTrue();
        } finally {
            requests.onCompleted();
        }
    }

    @Test
    void reflection_listsTheSmimedServices() throws Exception {
        CompletableFuture<List<String>> services = new CompletableFuture<>();
        StreamObserver<ServerReflectionRequest> requests = ServerReflectionGrpc.newStub(channel)
                .serverReflectionInfo(new StreamObserver<>() {
                    @Override
                    public void onNext(ServerReflectionResponse r) {
                        services.complete(r.getListServicesResponse().getServiceList().stream()
                                .map(ServiceResponse::getName).toList());
                    }

                    @Override
                    public void onError(Throwable t) {
                        services.completeExceptionally(t);
                    }

                    @Override
                    public void onCompleted() {
                    }
                });
        requests.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
        requests.onCompleted();
        assertThat(services.get(10, TimeUnit.SECONDS)).contains("smimed.v1.SigningService",
                "smimed.v1.DecryptionService", "smimed.v1.DirectoryService",
                "grpc.health.v1.Health");
    }

    @Test
    void metrics_countExactlyTheCallsMade() throws Exception {
        var signing = SigningServiceGrpc.newBlockingStub(channel);
        long okBefore = count("Sign", "OK");
        long notFoundBefore = count("Sign", "NOT_FOUND");
        for (int i = 0; i < 7; i++) {
            signing.sign(SignRequest.newBuilder().setIdentity(TestDeployment.EC)
                    .setContent(ByteString.copyFromUtf8("metrics " + i)).build());
        }
        for (int i = 0; i < 3; i++) {
            assertThatThrownBy(() -> signing.sign(SignRequest.newBuilder()
                    .setIdentity("nobody@smimed.example").setContent(ByteString.copyFromUtf8("x"))
                    .build())).extracting(e -> ((StatusRuntimeException) e).getStatus().getCode())
                    .isEqualTo(Status.Code.NOT_FOUND);
        }
        assertThat(count("Sign", "OK") - okBefore).isEqualTo(7);
        assertThat(count("Sign", "NOT_FOUND") - notFoundBefore).isEqualTo(3);
        assertThat(scrape()).contains("smimed_certificate_expiry_days{identity=\""
                + TestDeployment.RSA + "\"}");
    }

    /** Found by an operator trial: the JDK server matched /metricsx and /metrics/a too. */
    @Test
    void metrics_areServedAtExactlyTheirPath() throws Exception {
        for (String path : List.of("/metricsx", "/metrics/a", "/")) {
            HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest
                    .newBuilder(URI.create("http://127.0.0.1:" + daemon.metricsPort() + path))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as(path).isEqualTo(404);
        }
        assertThat(scrape()).contains("smimed_build_info");
    }

    @Test
    void metrics_countMadeUpMethodsUnderOneSeries() throws Exception {
        long before = count("unknown", "unknown", "UNIMPLEMENTED");
        for (String method : List.of("smimed.v1.SigningService/NoSuchMethod",
                "made.up.Service/A", "made.up.Service/B", "x/y")) {
            StatusRuntimeException refused = org.junit.jupiter.api.Assertions.assertThrows(
                    StatusRuntimeException.class,
                    () -> RawCalls.unary(channel, method, new byte[0]));
            assertThat(refused.getStatus().getCode()).as(method)
                    .isEqualTo(io.grpc.Status.Code.UNIMPLEMENTED);
        }

        assertThat(count("unknown", "unknown", "UNIMPLEMENTED") - before).isEqualTo(4);
        assertThat(scrape()).doesNotContain("NoSuchMethod").doesNotContain("made.up");
    }

    @Test
    void metrics_timeTokenOperationsByMechanism_andAuditWrites() throws Exception {
        var signing = SigningServiceGrpc.newBlockingStub(channel);
        byte[] message = encryptToRsa("metered".getBytes(StandardCharsets.UTF_8));
        // The first RSA decryption with a key also derives its implicit-rejection secret (one
        // more raw RSA operation, once per key and process): done before counting.
        DecryptCall.decrypt(channel, null, message, 4096);
        long ecdsaBefore = series("smimed_token_operation_seconds_count", "CKM_ECDSA", "sign");
        long rsaBefore = series("smimed_token_operation_seconds_count", "CKM_RSA_PKCS", "sign");
        long decryptBefore = series("smimed_token_operation_seconds_count", "CKM_RSA_X_509",
                "decrypt");
        long auditBefore = total("smimed_audit_write_seconds_count");
        for (int i = 0; i < 5; i++) {
            signing.sign(SignRequest.newBuilder().setIdentity(TestDeployment.EC)
                    .setContent(ByteString.copyFromUtf8("ecdsa " + i)).build());
        }
        for (int i = 0; i < 4; i++) {
            signing.sign(SignRequest.newBuilder().setIdentity(TestDeployment.RSA)
                    .setContent(ByteString.copyFromUtf8("rsa " + i)).build());
        }
        for (int i = 0; i < 3; i++) {
            assertThat(DecryptCall.decrypt(channel, null, message, 4096).plaintext())
                    .asString(StandardCharsets.UTF_8).isEqualTo("metered");
        }

        assertThat(series("smimed_token_operation_seconds_count", "CKM_ECDSA", "sign")
                - ecdsaBefore).isEqualTo(5);
        assertThat(series("smimed_token_operation_seconds_count", "CKM_RSA_PKCS", "sign")
                - rsaBefore).isEqualTo(4);
        assertThat(series("smimed_token_operation_seconds_count", "CKM_RSA_X_509", "decrypt")
                - decryptBefore).isEqualTo(3);
        // One audit record per call: 12 calls here (scrapes are HTTP, not audited).
        assertThat(total("smimed_audit_write_seconds_count") - auditBefore).isEqualTo(12);
        assertThat(scrape()).containsPattern("(?m)^smimed_token_sessions_in_use 0\\.0$");
    }

    /** A Watch its client ends is how a Watch ends: counted a success, not a failure. */
    @Test
    void metrics_countAHealthWatchItsClientEnded_asASuccess() throws Exception {
        try (HealthWatch watch = HealthWatch.open(channel)) {
            assertThat(watch.next()).isEqualTo(ServingStatus.SERVING);
        }
        String series = "smimed_requests_seconds_count{code=\"CANCELLED\",method=\"Watch\","
                + "outcome=\"success\",service=\"grpc.health.v1.Health\"}";
        for (int i = 0; i < 100 && !scrape().contains(series); i++) {
            Thread.sleep(50);
        }
        assertThat(scrape()).contains(series);
    }

    /**
     * What an SRE alerts on besides call counts (an outside trial found none of it): the token
     * and audit log states, the build, the JVM; and latency buckets few enough per series.
     */
    @Test
    void metrics_stateGaugesJvmSeriesAndBoundedBuckets() throws Exception {
        SigningServiceGrpc.newBlockingStub(channel).sign(SignRequest.newBuilder()
                .setIdentity(TestDeployment.EC).setContent(ByteString.copyFromUtf8("b")).build());
        String scrape = scrape();

        assertThat(scrape).containsPattern("(?m)^smimed_token_usable 1\\.0$")
                .containsPattern("(?m)^smimed_audit_log_writable 1\\.0$")
                .containsPattern("(?m)^smimed_health_probes_total [1-9][0-9]*\\.0$")
                .containsPattern("(?m)^smimed_build_info\\{version=\""
                        + Pattern.quote(Release.version()) + "\"} 1(\\.0)?$")
                .contains("jvm_memory_used_bytes{", "jvm_gc_pause_seconds",
                        "process_uptime_seconds", "process_files_open_files",
                        "system_cpu_count");
        long buckets = scrape.lines().filter(l -> l.startsWith(
                "smimed_requests_seconds_bucket{code=\"OK\",method=\"Sign\","
                        + "outcome=\"success\",service=\"smimed.v1.SigningService\"")).count();
        assertThat(buckets).isEqualTo(16); // 15 bounds and +Inf
    }

    private static byte[] encryptToRsa(byte[] plaintext) throws Exception {
        X509Certificate certificate;
        try (var in = Files.newInputStream(deployment.certificate(TestDeployment.RSA))) {
            certificate = (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(in);
        }
        CMSEnvelopedDataGenerator generator = new CMSEnvelopedDataGenerator();
        generator.addRecipientInfoGenerator(new JceKeyTransRecipientInfoGenerator(certificate));
        return generator.generate(new CMSProcessableByteArray(plaintext),
                new JceCMSContentEncryptorBuilder(CMSAlgorithm.AES256_CBC)
                        .setProvider(new BouncyCastleProvider()).build()).getEncoded();
    }

    private static long series(String name, String mechanism, String operation)
            throws Exception {
        Matcher m = Pattern.compile(name + "\\{mechanism=\"" + mechanism
                + "\",operation=\"" + operation + "\",outcome=\"ok\"} ([0-9.]+)")
                .matcher(scrape());
        return m.find() ? (long) Double.parseDouble(m.group(1)) : 0;
    }

    private static long total(String name) throws Exception {
        Matcher m = Pattern.compile("(?m)^" + name + " ([0-9.]+)$").matcher(scrape());
        return m.find() ? (long) Double.parseDouble(m.group(1)) : 0;
    }

    private static long count(String method, String code) throws Exception {
        return count("smimed.v1.SigningService", method, code);
    }

    private static long count(String service, String method, String code) throws Exception {
        Matcher m = Pattern.compile("smimed_requests_seconds_count\\{code=\"" + code
                + "\",method=\"" + method + "\",outcome=\"[a-z]+\",service=\""
                + Pattern.quote(service) + "\"} ([0-9.]+)").matcher(scrape());
        return m.find() ? (long) Double.parseDouble(m.group(1)) : 0;
    }

    private static String scrape() throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + daemon.metricsPort() + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        return response.body();
    }
}
