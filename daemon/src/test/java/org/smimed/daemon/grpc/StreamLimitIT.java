package org.smimed.daemon.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.smimed.daemon.testing.SignStreamCalls.header;
import static org.smimed.daemon.testing.SignStreamCalls.request;
import static org.smimed.daemon.testing.SignStreamCalls.signStream;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.smimed.api.v1.SignRequest;
import org.smimed.api.v1.SignStreamRequest;
import org.smimed.api.v1.SignStreamResponse;
import org.smimed.api.v1.SigningServiceGrpc;
import org.smimed.daemon.testing.DecryptCall;
import org.smimed.daemon.testing.SignStreamCalls;
import org.smimed.daemon.testing.TestDeployment;

/**
 * limits.maxStreams bounds the worker threads of streaming calls, all callers together: one
 * stream more is refused naming the limit (not queued), calls that do not stream are not
 * affected, and a slot comes back when its stream ends.
 */
class StreamLimitIT {
    static final String REFUSED = "too many streams in the daemon: 2 at once"
            + " (limits.maxStreams); retry later";

    @TempDir
    static Path dir;
    static TestDeployment deployment;
    static ManagedChannel channel;

    @BeforeAll
    static void start() throws Exception {
        deployment = TestDeployment.start(dir, List.of(), """
                limits:
                  maxStreams: 2
                """);
        channel = deployment.channel();
    }

    @AfterAll
    static void stop() throws Exception {
        deployment.close();
    }

    @Test
    void oneStreamBeyondTheLimit_isRefused_andTheSlotComesBackWhenAStreamEnds() throws Exception {
        OpenStream first = OpenStream.start(channel);
        OpenStream second = OpenStream.start(channel);
        try {
            StatusRuntimeException signing = catchThrowableOfType(StatusRuntimeException.class,
                    () -> signStream(channel, header(TestDeployment.RSA, false), new byte[10], 5));
            // A Decrypt in two requests streams too (whatever its bytes: refused before parsing).
            StatusRuntimeException decrypting = catchThrowableOfType(
                    StatusRuntimeException.class,
                    () -> DecryptCall.decrypt(channel, null, new byte[20], 10));

            assertThat(signing.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
            assertThat(signing.getStatus().getDescription()).isEqualTo(REFUSED);
            assertThat(decrypting.getStatus().getCode())
                    .isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
            assertThat(decrypting.getStatus().getDescription()).isEqualTo(REFUSED);
            assertThat(new org.smimed.client.SmimeClientException(decrypting.getStatus(),
                    decrypting.getTrailers()).reason())
                    .hasValue(org.smimed.api.v1.ErrorReason.STREAMS_EXHAUSTED);
            // A unary call has no stream thread: not affected.
            assertThat(SigningServiceGrpc.newBlockingStub(channel).sign(SignRequest.newBuilder()
                    .setIdentity(TestDeployment.RSA).setContent(ByteString.copyFromUtf8("x"))
                    .build()).getSignedData().isEmpty()).isFalse();
        } finally {
            first.cancel();
        }
        try {
            // The daemon learns of the cancellation asynchronously: retry for up to 30 s.
            SignStreamCalls.Answer answer = null;
            for (int attempt = 0; answer == null; attempt++) {
                try {
                    answer = signStream(channel, header(TestDeployment.RSA, false),
                            new byte[10], 5);
                } catch (StatusRuntimeException e) {
                    assertThat(e.getStatus().getDescription()).isEqualTo(REFUSED);
                    assertThat(attempt).as("slot still held 30 s after the cancellation")
                            .isLessThan(300);
                    Thread.sleep(100);
                }
            }
            assertThat(answer.result().getSignedData().isEmpty()).isFalse();
        } finally {
            second.cancel();
        }
    }

    /**
     * An encapsulating SignStream that has sent its header and two segments of content, and
     * nothing more: its worker has started once the first part of the SignedData arrives (the
     * daemon holds back a stream's latest two messages for its audit record, so it takes the
     * content sent back to push it out), and waits for more content.
     */
    static final class OpenStream implements ClientResponseObserver<SignStreamRequest,
            SignStreamResponse> {
        private final CompletableFuture<Void> started = new CompletableFuture<>();
        private ClientCallStreamObserver<SignStreamRequest> requests;

        static OpenStream start(ManagedChannel channel) throws Exception {
            OpenStream open = new OpenStream();
            SigningServiceGrpc.newStub(channel).signStream(open);
            open.requests.onNext(request(header(TestDeployment.RSA, true)));
            open.requests.onNext(
                    SignStreamCalls.chunk(new byte[2 * StreamedSigning.SEGMENT_BYTES]));
            open.started.get(10, TimeUnit.SECONDS);
            return open;
        }

        void cancel() {
            requests.cancel("test cancels", null);
        }

        @Override
        public void beforeStart(ClientCallStreamObserver<SignStreamRequest> requestStream) {
            this.requests = requestStream;
        }

        @Override
        public void onNext(SignStreamResponse value) {
            started.complete(null);
        }

        @Override
        public void onError(Throwable t) {
            started.completeExceptionally(t);
        }

        @Override
        public void onCompleted() {
            started.completeExceptionally(new AssertionError("stream ended without content"));
        }
    }
}
