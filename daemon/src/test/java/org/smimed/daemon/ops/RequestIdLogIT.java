package org.smimed.daemon.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.smimed.client.Channels;
import org.smimed.daemon.testing.DaemonProcess;
import org.smimed.daemon.testing.DecryptCall;
import org.smimed.daemon.testing.TestDeployment;

/**
 * A real {@code smimed serve} writes a call's log lines under the request id its caller was
 * given (x-request-id), so an operator finds why a reported call failed: the log formatters
 * get the id from the gRPC layer, wired where the daemon starts.
 */
class RequestIdLogIT {
    private static final Metadata.Key<String> REQUEST_ID =
            Metadata.Key.of("x-request-id", Metadata.ASCII_STRING_MARSHALLER);
    /** An empty BER SEQUENCE: no envelope to decrypt, "decryption failed". */
    private static final byte[] GARBAGE = {0x30, (byte) 0x80, 0, 0, 0, 0, 0, 0, 0};

    @TempDir
    static Path dir;

    @Test
    void aFailedCall_isLoggedUnderTheRequestIdItsCallerWasGiven() throws Exception {
        Path config = TestDeployment.provisionedConfig(dir, "request-id");
        try (DaemonProcess daemon = DaemonProcess.start(config,
                Path.of(System.getenv("SOFTHSM2_CONF")))) {
            ManagedChannel channel = Channels.tls("localhost:" + daemon.port(),
                    dir.resolve("pki/ca.crt"), dir.resolve("pki/client.crt"),
                    dir.resolve("pki/client.key"));
            try {
                StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class,
                        () -> DecryptCall.whole(channel, null, GARBAGE));
                String id = e.getTrailers().get(REQUEST_ID);

                assertThat(id).matches("[0-9a-f-]{36}");
                assertThat(daemon.awaitLog("[" + id + "]: request " + id
                        + ": decryption failed", Duration.ofSeconds(10))).as(daemon.log())
                        .isTrue();
            } finally {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }
}
