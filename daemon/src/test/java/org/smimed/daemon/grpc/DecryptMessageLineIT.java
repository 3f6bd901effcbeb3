package org.smimed.daemon.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.ByteString;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.smimed.api.v1.DecryptMessageRequest;
import org.smimed.api.v1.DecryptMessageResponse;
import org.smimed.api.v1.DecryptRequest;
import org.smimed.api.v1.DecryptionServiceGrpc;
import org.smimed.api.v1.SignRequest;
import org.smimed.api.v1.SigningServiceGrpc;
import org.smimed.daemon.testing.DecryptCall;
import org.smimed.daemon.testing.OpenSsl;
import org.smimed.daemon.testing.TestDeployment;

/**
 * The line DecryptMessage calls wait in for room in the in-flight byte budgets, and its
 * timers (limits.streamIdleSeconds, here 4 s): a call that waited too long is refused naming
 * the limits, a call that leaves (cancelled by its client) frees its place, and an admitted
 * call whose request never arrives gives its bytes back.
 */
class DecryptMessageLineIT {
    static final byte[] PLAINTEXT = "board minutes\r\n".getBytes(StandardCharsets.US_ASCII);
    static final int HEADER = 180_000;

    @TempDir
    static Path dir;
    static TestDeployment deployment;
    static byte[] valid;

    /** A Decrypt stream that keeps sending, so it holds its bytes past the idle limit. */
    DecryptCall.Unfinished holding;
    ScheduledExecutorService trickle;
    boolean released;
    final ExecutorService callers = Executors.newCachedThreadPool();

    @BeforeAll
    static void start() throws Exception {
        // One DecryptMessage (charged 300,000) fills the caller's budget, so the line for
        // this caller holds one call too.
        deployment = TestDeployment.start(dir, List.of(), """
                limits:
                  maxMessageBytes: 200000
                  maxInFlightBytesPerCaller: 300000
                  streamIdleSeconds: 4
                """);
        valid = OpenSsl.encrypt(dir, "-aes-256-gcm", PLAINTEXT,
                deployment.certificate(TestDeployment.RSA));
    }

    @AfterAll
    static void stop() throws Exception {
        deployment.close();
    }

    @BeforeEach
    void hold() throws Exception {
        byte[] header = InFlightBudgetIT.unfinishedHeader(HEADER);
        holding = DecryptCall.Unfinished.start(deployment.channel(), header, 150_000);
        trickle = Executors.newSingleThreadScheduledExecutor();
        int[] sent = {150_000};
        trickle.scheduleWithFixedDelay(() -> {
            if (sent[0] + 500 < HEADER) {
                holding.requests().onNext(DecryptRequest.newBuilder()
                        .setChunk(ByteString.copyFrom(header, sent[0], 500)).build());
                sent[0] += 500;
            }
        }, 300, 300, TimeUnit.MILLISECONDS);
        // The held bytes are charged once a Sign of the rest of the budget is refused.
        var signing = SigningServiceGrpc.newBlockingStub(deployment.channel());
        StatusRuntimeException refused = null;
        for (long end = System.nanoTime() + 10_000_000_000L;
             refused == null && System.nanoTime() < end; ) {
            refused = catchThrowableOfType(StatusRuntimeException.class,
                    () -> signing.sign(SignRequest.newBuilder().setIdentity(TestDeployment.RSA)
                            .setContent(ByteString.copyFrom(new byte[150_001])).build()));
        }
        assertThat(refused).isNotNull();
        assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    }

    @AfterEach
    void release() throws InterruptedException {
        if (!released) {
            released = true;
            // Stopped before the stream is cancelled: a call's observer is not thread-safe.
            trickle.shutdown();
            assertThat(trickle.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
            holding.cancel();
        }
    }

    @AfterEach
    void stopCallers() {
        callers.shutdownNow();
    }

    @Test
    void aCallWaitingLongerThanTheIdleLimit_isRefusedNamingTheLimits() {
        StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class,
                () -> DecryptCall.whole(deployment.channel(), null, valid));

        assertThat(holding.ended()).as("the holding stream").isNotDone();
        assertThat(e).isNotNull();
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        assertThat(e.getStatus().getDescription()).isEqualTo("no room for this DecryptMessage"
                + " in the in-flight byte budgets (limits.maxInFlightBytesPerCaller,"
                + " limits.maxInFlightBytes) for 4 s (limits.streamIdleSeconds): it is charged"
                + " the largest message it may carry, 300000 bytes, before it is read; retry"
                + " later, or stream it with Decrypt, charged as its bytes arrive");
    }

    @Test
    void aCallCancelledWhileWaiting_leavesTheLine() throws Exception {
        long start = System.nanoTime();
        StatusRuntimeException gaveUp = catchThrowableOfType(StatusRuntimeException.class,
                () -> DecryptionServiceGrpc.newBlockingStub(deployment.channel())
                        .withDeadlineAfter(700, TimeUnit.MILLISECONDS)
                        .decryptMessage(DecryptMessageRequest.newBuilder()
                                .setMessage(ByteString.copyFrom(valid)).build()));
        assertThat(gaveUp.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);

        // Its place is free long before its own 4 s in line would have ended (the daemon
        // may see the cancellation a moment after the client).
        CompletableFuture<DecryptCall.Answer> next = null;
        while (next == null || next.isCompletedExceptionally()) {
            assertThat(System.nanoTime() - start).as("the line still full")
                    .isLessThan(3_000_000_000L);
            next = CompletableFuture.supplyAsync(
                    () -> DecryptCall.whole(deployment.channel(), null, valid), callers);
            Thread.sleep(300);
        }
        assertThat(next).isNotDone();
        release();
        assertThat(next.get(10, TimeUnit.SECONDS).plaintext()).isEqualTo(PLAINTEXT);
    }

    @Test
    void anAdmittedCallWhoseRequestNeverArrives_endsAndGivesItsBytesBack() throws Exception {
        release();
        CompletableFuture<Status> ended = new CompletableFuture<>();
        // Described as streaming, so that gRPC sends the headers at once: for a unary method
        // grpc-java holds them back until the request goes with them, but any other HTTP/2
        // client may send headers and nothing more.
        ClientCall<DecryptMessageRequest, DecryptMessageResponse> silent = deployment.channel()
                .newCall(DecryptionServiceGrpc.getDecryptMessageMethod().toBuilder()
                        .setType(MethodDescriptor.MethodType.BIDI_STREAMING).build(),
                        CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS));
        silent.start(new ClientCall.Listener<>() {
            @Override
            public void onClose(Status status, Metadata trailers) {
                ended.complete(status);
            }
        }, new Metadata());
        silent.request(1);
        // Headers only: admitted (the budget is free) and then waiting for its request.

        Status status = ended.get(20, TimeUnit.SECONDS);
        assertThat(status.getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
        assertThat(status.getDescription()).isEqualTo("no request for 4 s"
                + " (limits.streamIdleSeconds)");
        assertThat(DecryptCall.whole(deployment.channel(), null, valid).plaintext())
                .isEqualTo(PLAINTEXT);
    }
}
