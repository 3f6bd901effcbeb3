package org.smimed.daemon.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.smimed.api.v1.SignRequest;
import org.smimed.api.v1.SigningServiceGrpc;
import org.smimed.daemon.testing.TestDeployment;

/**
 * Found by an outside trial (a Python client): 4 MiB of content to encapsulate made an answer
 * over gRPC's default 4 MiB, which the caller's own client refused after the daemon had signed
 * it and audited it OK. With limits.maxMessageBytes above 4 MiB, such content is refused up
 * front, and the largest allowed answer still reaches a client with gRPC's default limits.
 */
class EncapsulatedSignLimitIT {
    @TempDir
    static Path dir;
    private static TestDeployment deployment;

    @BeforeAll
    static void start() throws Exception {
        deployment = TestDeployment.start(dir, 8 * 1024 * 1024);
    }

    @AfterAll
    static void stop() throws Exception {
        deployment.close();
    }

    @Test
    void encapsulatedContent_whoseAnswerWouldNotFitGrpcsDefault_isRefusedUpFront() {
        var signing = SigningServiceGrpc.newBlockingStub(deployment.channel());
        int most = SigningGrpcService.MAX_ENCAPSULATED_BYTES;
        SignRequest.Builder request = SignRequest.newBuilder().setIdentity(TestDeployment.RSA)
                .setEncapsulate(true);

        StatusRuntimeException e = catchThrowableOfType(() -> signing.sign(request
                .setContent(ByteString.copyFrom(new byte[most + 1])).build()),
                StatusRuntimeException.class);

        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(e.getStatus().getDescription()).isEqualTo("content to encapsulate is "
                + (most + 1) + " bytes, more than " + most + " for Sign: the answer would exceed"
                + " gRPC's default 4 MiB message size that clients accept; stream it with"
                + " SignStream, or sign detached");
        assertThat(signing.sign(request.setContent(ByteString.copyFrom(new byte[most])).build())
                .getSerializedSize()).isLessThanOrEqualTo(4 * 1024 * 1024);
        assertThat(signing.sign(request.setEncapsulate(false).setContent(ByteString.copyFrom(
                new byte[most + 1])).build()).getSignedData().isEmpty())
                .as("detached, the same content is signed").isFalse();
    }
}
