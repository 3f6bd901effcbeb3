package org.smimed.daemon.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.smimed.api.v1.SignRequest;
import org.smimed.api.v1.SigningServiceGrpc;
import org.smimed.daemon.testing.DecryptCall;
import org.smimed.daemon.testing.OpenSsl;
import org.smimed.daemon.testing.TestDeployment;

/**
 * The in-flight byte budgets through the real daemon over mutual TLS: one caller's streamed
 * and unary calls together stay within its budget (limits.maxInFlightBytesPerCaller), each
 * refusal is RESOURCE_EXHAUSTED naming the limit, and another caller keeps decrypting.
 */
class InFlightBudgetIT {
    static final byte[] PLAINTEXT = "quarterly numbers\r\n".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    static Path dir;
    static TestDeployment deployment;
    static ManagedChannel other;
    static byte[] valid;
    static AnotherCaller others;

    @BeforeAll
    static void start() throws Exception {
        deployment = TestDeployment.start(dir, List.of(), """
                limits:
                  maxMessageBytes: 200000
                  maxInFlightBytesPerCaller: 300000
                  # Not shorter: these tests hold a stream open while they retry (up to 20 s
                  # on a loaded host), and the idle limit would end it.
                  streamIdleSeconds: 20
                """);
        other = deployment.decryptOnlyChannel("second service");
        valid = OpenSsl.encrypt(dir, "-aes-256-gcm", PLAINTEXT,
                deployment.certificate(TestDeployment.RSA));
        others = new AnotherCaller(other, valid, PLAINTEXT);
    }

    @AfterAll
    static void stop() throws Exception {
        other.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        deployment.close();
    }

    @Test
    void oneByteOverTheCallersInFlightBudget_isResourceExhaustedNamingIt() throws Exception {
        // One stream holds 150,000 bytes (open, not finished): the start of an envelope whose
        // recipientInfos are not complete yet, which the parser must keep; a second of
        // 150,001 from the same caller takes it one byte over its 300,000.
        AtomicReference<DecryptCall.Unfinished> holding = new AtomicReference<>(hold());
        try {
            // In one request message: sent in 64 KiB chunks, the worker could fail on the
            // first chunk's garbage ("decryption failed") before the last chunk is charged.
            StatusRuntimeException e = others.whileDecrypting(() -> onceTheHeldBytesArrive(
                    holding, () -> DecryptCall.decrypt(
                            deployment.channel(), null, new byte[150_001], 150_001)));

            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
            assertThat(e.getStatus().getDescription()).isEqualTo("too many bytes in flight for"
                    + " this caller: over 300000 (limits.maxInFlightBytesPerCaller); retry later");
            // With its reason, as the DecryptMessage refusal (a Python client trial found none).
            assertThat(new org.smimed.client.SmimeClientException(e.getStatus(),
                    e.getTrailers()).reason())
                    .contains(org.smimed.api.v1.ErrorReason.IN_FLIGHT_BYTES_EXHAUSTED);
        } finally {
            holding.get().cancel();
        }
    }

    @Test
    void signContent_countsAgainstTheSameBudget_whileADecryptStreamHoldsBytes() throws Exception {
        // gRPC read the Sign request whole before the daemon saw it; it is charged all the same,
        // so a caller's unary and streamed calls together stay within its budget.
        AtomicReference<DecryptCall.Unfinished> holding = new AtomicReference<>(hold());
        try {
            var signing = SigningServiceGrpc.newBlockingStub(deployment.channel());
            StatusRuntimeException e = onceTheHeldBytesArrive(holding,
                    () -> signing.sign(content(150_001)));

            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
            assertThat(e.getStatus().getDescription()).isEqualTo("too many bytes in flight for"
                    + " this caller: over 300000 (limits.maxInFlightBytesPerCaller); retry later");
            assertThat(signing.sign(content(149_000)).getSignedData().isEmpty()).isFalse();
        } finally {
            holding.get().cancel();
        }
    }

    /** What GetLimits tells a client is what the refusals here say and what is charged. */
    @Test
    void getLimits_tellsTheSizesAndTheChargeThisDeploymentApplies() throws Exception {
        org.smimed.client.DaemonLimits limits = new org.smimed.client.SmimeClient(
                deployment.channel(), java.time.Duration.ofSeconds(30)).limits();

        assertThat(limits.maxMessageBytes()).isEqualTo(200_000);
        assertThat(limits.maxUnaryBytes()).isEqualTo(200_000);
        assertThat(limits.maxInFlightBytes()).isEqualTo(300_000);
        // The floor gRPC may read (320 KiB) capped by the budget, as charged in the test below.
        assertThat(limits.decryptMessageChargeBytes()).isEqualTo(300_000);
        assertThat(limits.decryptMessagesAtOnce()).isEqualTo(1);
        assertThat(limits.streamIdle()).hasSeconds(20);
    }

    @Test
    void decryptMessage_isChargedItsLargestSizeBeforeItIsRead() throws Exception {
        // gRPC reads a unary request whole before the handler runs, so DecryptMessage is
        // charged the most gRPC may read of it (here the whole 300,000-byte budget: a limit
        // of 200,000 still lets gRPC read 320 KiB) before that: while
        // a stream holds 150,000 of the caller's 300,000 even a small message is refused,
        // unread (found by a fuzz trial: concurrent 4 MB calls within every budget exhausted
        // the daemon's direct memory before the handler charged them).
        AtomicReference<DecryptCall.Unfinished> holding = new AtomicReference<>(hold());
        try {
            StatusRuntimeException e = onceTheHeldBytesArrive(holding,
                    () -> DecryptCall.whole(deployment.channel(), null, valid));

            assertThat(e).isNotNull();
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
            // Saying why a small message is refused, and what fits instead (a client trial
            // read "too many bytes in flight" for 483-byte messages as a false claim).
            assertThat(e.getStatus().getDescription()).isEqualTo("too many bytes in flight for"
                    + " this caller: over 300000 (limits.maxInFlightBytesPerCaller); retry later"
                    + " (a DecryptMessage is charged the largest message it may carry, 300000"
                    + " bytes, before it is read; Decrypt is charged as its bytes arrive)");
            // And in a form to act on, which the client stub's fallback below reads.
            assertThat(new org.smimed.client.SmimeClientException(e.getStatus(), e.getTrailers())
                    .reason()).contains(org.smimed.api.v1.ErrorReason.IN_FLIGHT_BYTES_EXHAUSTED);
            // The client stub's decrypt, which sends small mail as one DecryptMessage, streams
            // the same bytes instead, charged as they arrive (a client trial: a pool of
            // workers with small mail saw one refusal in three).
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            new org.smimed.client.SmimeClient(deployment.channel(),
                    java.time.Duration.ofSeconds(30))
                    .decrypt(null, new java.io.ByteArrayInputStream(valid), out);
            assertThat(out.toByteArray()).isEqualTo(PLAINTEXT);
        } finally {
            holding.get().cancel();
        }
        // The stream's bytes come back once the daemon has seen its cancellation.
        DecryptCall.Answer answer = null;
        for (long end = System.nanoTime() + 10_000_000_000L; answer == null; ) {
            try {
                answer = DecryptCall.whole(deployment.channel(), null, valid);
            } catch (StatusRuntimeException again) {
                if (again.getStatus().getCode() != Status.Code.RESOURCE_EXHAUSTED
                        || System.nanoTime() > end) {
                    throw again;
                }
                Thread.sleep(50);
            }
        }
        assertThat(answer.plaintext()).isEqualTo(PLAINTEXT);
    }

    private static SignRequest content(int size) {
        return SignRequest.newBuilder().setIdentity(TestDeployment.RSA)
                .setContent(ByteString.copyFrom(new byte[size])).build();
    }

    /**
     * {@code size} bytes of an EnvelopedData whose recipientInfos SET declares more bytes than
     * that, filled with OCTET STRINGs: well formed so far, and not finished.
     */
    static byte[] unfinishedHeader(int size) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.writeBytes(new byte[] {0x30, (byte) 0x80, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48,
                (byte) 0x86, (byte) 0xf7, 0x0d, 0x01, 0x07, 0x03, (byte) 0xa0, (byte) 0x80,
                0x30, (byte) 0x80, 0x02, 0x01, 0x00, 0x31, (byte) 0x83, 0x03, 0x00, 0x00});
        while (out.size() + 2 + 100 <= size) {
            out.write(0x04);
            out.write(100);
            out.writeBytes(new byte[100]);
        }
        out.writeBytes(new byte[] {0x04, (byte) (size - out.size() - 2)});
        out.writeBytes(new byte[size - out.size()]);
        return out.toByteArray();
    }

    /** A Decrypt stream holding 150,000 bytes of this caller's budget, left open. */
    static DecryptCall.Unfinished hold() {
        return DecryptCall.Unfinished.start(deployment.channel(), unfinishedHeader(150_000),
                150_000);
    }

    /**
     * Repeats {@code call} until it is refused for the budget, for as long as the idle limit
     * keeps a holding stream open. Whichever of the two is charged second is refused: when
     * the call won the race, the holding stream is the one ended (found in CI), so holding
     * starts again.
     */
    static StatusRuntimeException onceTheHeldBytesArrive(
            AtomicReference<DecryptCall.Unfinished> holding, ThrowingCallable call) {
        StatusRuntimeException e = null;
        for (long end = System.nanoTime() + 20_000_000_000L; System.nanoTime() < end; ) {
            if (holding.get().ended().isDone()) {
                holding.set(hold());
            }
            e = catchThrowableOfType(StatusRuntimeException.class, call);
            if (e != null && e.getStatus().getCode() == Status.Code.RESOURCE_EXHAUSTED) {
                break;
            }
        }
        return e;
    }
}
