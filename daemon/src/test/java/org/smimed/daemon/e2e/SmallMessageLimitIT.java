package org.smimed.daemon.e2e;

import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.smimed.client.SmimeClient;
import org.smimed.client.SmimeClientException;
import org.smimed.daemon.testing.Processes;
import org.smimed.daemon.testing.TestDeployment;

/**
 * A {@code limits.maxMessageBytes} below the client stub's 256 KiB Decrypt chunk: a larger
 * message is refused by the daemon's own count, naming the limit, not by the transport
 * ("gRPC message exceeds maximum size", no limit named, no request id: found by a README
 * trial).
 */
class SmallMessageLimitIT {
    private static final int LIMIT = 100_000;

    @TempDir
    Path dir;

    @Test
    void decryptThroughTheClientStub_overASmallLimit_namesTheLimit() throws Exception {
        try (TestDeployment deployment = TestDeployment.start(dir, LIMIT)) {
            byte[] plaintext = new byte[270_000];
            new java.util.Random(5).nextBytes(plaintext);
            Path in = Files.write(dir.resolve("plain.bin"), plaintext);
            Path out = dir.resolve("message.der");
            Processes.check(List.of("openssl", "cms", "-encrypt", "-binary", "-aes-256-cbc",
                    "-in", in.toString(), "-outform", "DER", "-out", out.toString(),
                    deployment.certificate(TestDeployment.RSA).toString()), dir);
            SmimeClient client = new SmimeClient(deployment.channel(), Duration.ofSeconds(60));

            assertThatThrownBy(() -> client.decrypt(TestDeployment.RSA,
                    new ByteArrayInputStream(Files.readAllBytes(out)),
                    new ByteArrayOutputStream()))
                    .isInstanceOfSatisfying(SmimeClientException.class, e -> {
                        assertThat(e.code()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                        assertThat(e.description()).isEqualTo("message is larger than the"
                                + " limit of " + LIMIT + " bytes (limits.maxMessageBytes)");
                        assertThat(e.requestId()).isPresent();
                    });
        }
    }
}
