package org.smimed.daemon.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.smimed.api.v1.DecryptMessageRequest;
import org.smimed.api.v1.DecryptMessageResponse;
import org.smimed.api.v1.DecryptionServiceGrpc;
import org.smimed.daemon.testing.DecryptCall;
import org.smimed.daemon.testing.OpenSsl;
import org.smimed.daemon.testing.TestDeployment;

/**
 * A DecryptMessage is charged before its request is read, so the request must arrive whole
 * within limits.streamIdleSeconds (here 4 s): a call that sends its headers, or its message
 * without ending its stream, and then nothing, ends DEADLINE_EXCEEDED and gives its bytes back
 * (found by security reviews: such calls held their reservation until the client gave up).
 * One DecryptMessage fills this caller's budget, so the next one proves the bytes came back.
 */
class DecryptMessageReadDeadlineIT {
    static final byte[] PLAINTEXT = "board minutes\r\n".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    static Path dir;
    static TestDeployment deployment;
    static byte[] valid;

    @BeforeAll
    static void start() throws Exception {
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

    @Test
    void headersAndNothingMore_endAfterTheIdleLimit_andGiveTheBytesBack() throws Exception {
        assertEndsAndGivesBack(false);
    }

    @Test
    void theMessageWithoutTheEndOfStream_endsAfterTheIdleLimit_andGivesTheBytesBack()
            throws Exception {
        assertEndsAndGivesBack(true);
    }

    private static void assertEndsAndGivesBack(boolean sendMessage) throws Exception {
        CompletableFuture<Status> ended = new CompletableFuture<>();
        // Described as streaming, so that gRPC sends the headers at once: for a unary method
        // grpc-java holds them back until the request goes with them, but any other HTTP/2
        // client may send headers and nothing more, or never end its stream.
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
        if (sendMessage) {
            silent.sendMessage(DecryptMessageRequest.newBuilder()
                    .setMessage(ByteString.copyFrom(valid)).build());
        }

        Status status = ended.get(20, TimeUnit.SECONDS);
        assertThat(status.getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
        assertThat(status.getDescription()).isEqualTo("the request did not arrive whole within"
                + " 4 s (limits.streamIdleSeconds)");
        assertThat(DecryptCall.whole(deployment.channel(), null, valid).plaintext())
                .isEqualTo(PLAINTEXT);
    }
}
