package org.smimed.daemon.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.smimed.daemon.testing.SignStreamCalls.chunk;
import static org.smimed.daemon.testing.SignStreamCalls.header;
import static org.smimed.daemon.testing.SignStreamCalls.request;

import com.google.protobuf.ByteString;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.ClientStreamTracer;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.smimed.api.v1.SignRequest;
import org.smimed.api.v1.SignStreamRequest;
import org.smimed.api.v1.SignStreamResponse;
import org.smimed.api.v1.SigningServiceGrpc;
import org.smimed.client.Channels;
import org.smimed.client.admin.AuditVerifier;
import org.smimed.daemon.testing.AuditRecords;
import org.smimed.daemon.testing.DaemonProcess;
import org.smimed.daemon.testing.SoftHsm;
import org.smimed.daemon.testing.TestDeployment;

/**
 * The audit log fails closed, with a real fault: a {@code smimed serve} process whose files
 * may not grow past {@link #FILE_LIMIT} bytes ({@code prlimit --fsize}, the kernel refusing
 * the write as on a full disk, after letting its first part through). The call whose record
 * does not fit gets UNAVAILABLE and not its signature (SignStream's last message is held
 * until the record is written), every later call is refused, the daemon stays up, and the log
 * still ends with a whole record: a restarted daemon continues its chain.
 */
class AuditFailureIT {
    /** Room for a few hundred records; the daemon's other files stay far below it. */
    static final long FILE_LIMIT = 64 * 1024;
    static final int MOST_CALLS = 5_000;
    /** The stub's retry policy's maxAttempts (client-stub ServiceConfig). */
    static final int RETRY_ATTEMPTS = 4;

    @TempDir
    static Path dir;
    static SoftHsm.Token token;
    static Path config;
    static int metricsPort;
    /** Chunks of an encapsulating SignStream that ended OK: the whole SignedData. */
    static int okChunks;

    @BeforeAll
    static void provision() throws Exception {
        token = SoftHsm.createToken("auditfull");
        TestDeployment.provision(dir, token);
        config = TestDeployment.writeConfig(dir, token);
        try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
            metricsPort = free.getLocalPort();
        }
        TestDeployment.addConfig(config, """
                operations:
                  metricsListen: {address: 127.0.0.1, port: %d}
                """.formatted(metricsPort));
    }

    @Test
    void aRecordThatCannotBeWritten_refusesItsCall_andLeavesTheLogWhole() throws Exception {
        int recorded;
        try (DaemonProcess daemon = DaemonProcess.start(config, softHsmConf(), List.of(),
                List.of("prlimit", "--fsize=" + FILE_LIMIT, "--"))) {
            ManagedChannel channel = channel(daemon);
            try {
                Outcome encapsulated = signStream(channel, "first", true);
                assertThat(encapsulated.status().isOk()).isTrue();
                okChunks = encapsulated.chunks();
                int ok = 1;
                Outcome last = null;
                while (ok < MOST_CALLS) {
                    last = signStream(channel, "call " + ok, false);
                    if (!last.status().isOk()) {
                        break;
                    }
                    assertThat(last.results()).isEqualTo(1);
                    ok++;
                }
                assertThat(ok).as("calls before the file limit").isBetween(10, MOST_CALLS - 1);
                assertRefusedWithoutItsResult(last);

                StatusRuntimeException later = org.junit.jupiter.api.Assertions.assertThrows(
                        StatusRuntimeException.class, () -> sign(channel));
                assertThat(later.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
                assertThat(daemon.isAlive()).isTrue();
                assertThat(java.net.http.HttpClient.newHttpClient().send(
                        java.net.http.HttpRequest.newBuilder(java.net.URI.create(
                                "http://127.0.0.1:" + metricsPort + "/metrics")).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString()).body())
                        .containsPattern("(?m)^smimed_audit_log_writable 0\\.0$");
                recorded = ok;
            } finally {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
            assertThat(daemon.terminate()).isZero();
        }

        Path log = dir.resolve("audit.log");
        assertThat(Files.readString(log, StandardCharsets.UTF_8)).endsWith("\n");
        AuditVerifier.Result before = new AuditVerifier().verify(log, Optional.empty());
        assertThat(before.intact()).as(before.problem().toString()).isTrue();
        // The start record and the calls; the stop record found the file full.
        assertThat(before.records()).isEqualTo(recorded + 1);
        assertThat(AuditRecords.read(log).get(0)).containsEntry("event", "DAEMON_START");
        assertThat(AuditRecords.read(log).get(recorded)).containsEntry("event", "SIGN");

        // Restarted with room for its start record only, the log is as full as before once it
        // is written, so an encapsulating call is the one refused. It ends with the chunk that
        // holds the signature and a result without signed data: neither may go out.
        try (DaemonProcess full = DaemonProcess.start(config, softHsmConf(), List.of(),
                roomForAStartRecord(log))) {
            ManagedChannel channel = channel(full);
            try {
                Outcome refused = signStream(channel, "encapsulated", true);
                assertRefusedWithoutItsResult(refused);
                assertThat(refused.chunks()).as("the signature's chunk sent without its record")
                        .isLessThan(okChunks);
            } finally {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
            assertThat(full.terminate()).isZero();
        }
        assertThat(new AuditVerifier().verify(log, Optional.empty()).records())
                .isEqualTo(recorded + 2);

        // A unary call refused at its record ends trailers-only (its headers were held with
        // its response), so the stub's retry policy tries again, as it would on another
        // replica; after response headers gRPC treats a call as committed and retries nothing.
        try (DaemonProcess full = DaemonProcess.start(config, softHsmConf(), List.of(),
                roomForAStartRecord(log))) {
            ManagedChannel channel = channel(full);
            try {
                AtomicInteger attempts = new AtomicInteger();
                StatusRuntimeException refused = org.junit.jupiter.api.Assertions.assertThrows(
                        StatusRuntimeException.class, () -> sign(ClientInterceptors.intercept(
                                channel, countingAttempts(attempts))));
                assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
                assertThat(attempts.get()).as("attempts of a refused unary call")
                        .isEqualTo(RETRY_ATTEMPTS);
            } finally {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
            assertThat(full.terminate()).isZero();
        }

        try (DaemonProcess restarted = DaemonProcess.start(config, softHsmConf())) {
            ManagedChannel channel = channel(restarted);
            try {
                sign(channel);
            } finally {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
            assertThat(restarted.terminate()).isZero();
        }
        AuditVerifier.Result after = new AuditVerifier().verify(log, Optional.empty());
        assertThat(after.intact()).as(after.problem().toString()).isTrue();
        // Three more starts, the sign and the one stop that found room.
        assertThat(after.records()).isEqualTo(recorded + 6);
        assertThat(AuditRecords.read(log).stream().map(r -> r.get("event")).toList()
                .subList(recorded + 1, recorded + 6)).containsExactly("DAEMON_START",
                "DAEMON_START", "DAEMON_START", "SIGN", "DAEMON_STOP");
    }

    /**
     * A file size limit that lets the log take one more start record and no call's: the
     * first run's start record with room for a longer sequence number and time (its
     * fraction has 0 to 9 digits), where a call's record is longer by its caller's name and
     * request id.
     */
    private static List<String> roomForAStartRecord(Path log) throws Exception {
        long startRecord = Files.readAllLines(log).get(0).length() + 1;
        return List.of("prlimit", "--fsize=" + (Files.size(log) + startRecord + 16), "--");
    }

    private static void assertRefusedWithoutItsResult(Outcome outcome) {
        assertThat(outcome.status().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        // Its headers went out before the record failed: the id must still be in the
        // trailers, which is what clients keep of a failed call (found by a README trial).
        assertThat(outcome.requestId()).as("x-request-id trailer").isNotBlank();
        assertThat(outcome.status().getDescription())
                .isEqualTo("audit log unavailable; retry later");
        assertThat(outcome.results()).as("a result sent without its record").isZero();
    }

    /** How a SignStream call ended, and how many results and chunks came before that. */
    record Outcome(boolean encapsulated, Status status, int results, int chunks,
                   String requestId) {
    }

    private static Outcome signStream(ManagedChannel channel, String content,
                                      boolean encapsulate) throws Exception {
        CompletableFuture<Status> end = new CompletableFuture<>();
        java.util.concurrent.atomic.AtomicReference<String> id =
                new java.util.concurrent.atomic.AtomicReference<>();
        AtomicInteger results = new AtomicInteger();
        AtomicInteger chunks = new AtomicInteger();
        StreamObserver<SignStreamRequest> requests = SigningServiceGrpc.newStub(channel)
                .withDeadlineAfter(30, TimeUnit.SECONDS)
                .signStream(new StreamObserver<SignStreamResponse>() {
                    @Override
                    public void onNext(SignStreamResponse response) {
                        if (response.hasResult()) {
                            results.incrementAndGet();
                        } else {
                            chunks.incrementAndGet();
                        }
                    }

                    @Override
                    public void onError(Throwable t) {
                        io.grpc.Metadata trailers = Status.trailersFromThrowable(t);
                        id.set(trailers == null ? null : trailers.get(io.grpc.Metadata.Key.of(
                                "x-request-id", io.grpc.Metadata.ASCII_STRING_MARSHALLER)));
                        end.complete(Status.fromThrowable(t));
                    }

                    @Override
                    public void onCompleted() {
                        end.complete(Status.OK);
                    }
                });
        requests.onNext(request(header(TestDeployment.EC, encapsulate)));
        requests.onNext(chunk(content.getBytes(StandardCharsets.UTF_8)));
        requests.onCompleted();
        Status status = end.get(30, TimeUnit.SECONDS);
        return new Outcome(encapsulate, status, results.get(), chunks.get(), id.get());
    }

    /** Counts the transport attempts of each call, retries included. */
    private static ClientInterceptor countingAttempts(AtomicInteger attempts) {
        ClientStreamTracer.Factory perAttempt = new ClientStreamTracer.Factory() {
            @Override
            public ClientStreamTracer newClientStreamTracer(ClientStreamTracer.StreamInfo info,
                                                            io.grpc.Metadata headers) {
                attempts.incrementAndGet();
                return new ClientStreamTracer() { };
            }
        };
        return new ClientInterceptor() {
            @Override
            public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method,
                                                         CallOptions options, Channel next) {
                return next.newCall(method, options.withStreamTracerFactory(perAttempt));
            }
        };
    }

    private static void sign(Channel channel) {
        SigningServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
                .sign(SignRequest.newBuilder().setIdentity(TestDeployment.EC)
                        .setContent(ByteString.copyFromUtf8("after")).build());
    }

    private static ManagedChannel channel(DaemonProcess daemon) throws Exception {
        return Channels.tls("localhost:" + daemon.port(), pki("ca.crt"), pki("client.crt"),
                pki("client.key"));
    }

    private static Path softHsmConf() {
        return Path.of(System.getenv("SOFTHSM2_CONF"));
    }

    private static Path pki(String name) {
        return dir.resolve("pki").resolve(name);
    }
}
