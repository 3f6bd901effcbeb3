package org.smimed.daemon.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.smimed.api.v1.DecryptRequest;
import org.smimed.api.v1.DecryptResponse;
import org.smimed.api.v1.DecryptionServiceGrpc;
import org.smimed.daemon.testing.DecryptCall;
import org.smimed.daemon.testing.OpenSsl;
import org.smimed.daemon.testing.TestDeployment;

/**
 * The audit record of a Decrypt stream that did not end OK says how much plaintext its client
 * was sent ({@code released=N}): AES-CBC plaintext has no integrity, and a client trial found
 * a record saying only FAILED, CANCELLED after 10 MB had gone out.
 */
class ReleasedPlaintextIT {
    @TempDir
    static Path dir;
    private static TestDeployment deployment;

    @BeforeAll
    static void start() throws Exception {
        deployment = TestDeployment.start(dir);
    }

    @AfterAll
    static void stop() throws Exception {
        deployment.close();
    }

    /** A stream cancelled after plaintext went out; a stream that ends OK carries no count. */
    @Test
    void streamCancelledAfterPlaintextWentOut_recordsTheBytesReleased() throws Exception {
        byte[] message = encrypted(900_000, 7);
        RawStream stream = RawStream.start();
        // The whole message, but never its end of input: the daemon releases plaintext as it
        // decrypts and cannot end the call OK before the cancellation.
        stream.send(message);
        assertThat(stream.firstChunk.await(30, TimeUnit.SECONDS)).isTrue();
        stream.requests.cancel("enough", null);
        assertThat(stream.end.get(30, TimeUnit.SECONDS).getCode())
                .isEqualTo(Status.Code.CANCELLED);

        assertThat(awaitRecord(sha256(message))).contains("\"status\":\"CANCELLED\"")
                .containsPattern("\"detail\":\"released=[1-9][0-9]*\"");
        DecryptCall.decrypt(deployment.channel(), null, message, 64 * 1024);
        assertThat(Files.readAllLines(deployment.auditFile()).stream()
                .filter(line -> line.contains(sha256(message))
                        && line.contains("\"status\":\"OK\""))
                .toList()).singleElement().asString().doesNotContain("released=");
    }

    /**
     * A CBC message whose padding is broken fails at its end, after most of its plaintext went
     * out: released= counts every plaintext byte the client got, the two chunks the audit
     * interceptor held until the record included (a security review found them missing).
     */
    @Test
    void streamFailingAtItsEnd_recordsEveryPlaintextByteTheClientGot() throws Exception {
        byte[] message = encrypted(400_000, 9);
        message[message.length - 17] ^= 0x55; // in the last block but one: bad padding
        RawStream stream = RawStream.start();
        stream.send(message);
        stream.requests.onCompleted();

        assertThat(stream.end.get(30, TimeUnit.SECONDS).getCode())
                .isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(stream.received.get()).isPositive();
        assertThat(awaitRecord(sha256(message)))
                .contains("\"detail\":\"released=" + stream.received.get() + "\"");
    }

    private static byte[] encrypted(int size, long seed) throws Exception {
        byte[] plain = new byte[size];
        new Random(seed).nextBytes(plain);
        return OpenSsl.encrypt(dir, "-aes-256-cbc", plain,
                deployment.certificate(TestDeployment.RSA));
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String awaitRecord(String inputSha256) throws Exception {
        for (long end = System.nanoTime() + 10_000_000_000L; System.nanoTime() < end; ) {
            var found = Files.readAllLines(deployment.auditFile()).stream()
                    .filter(line -> line.contains(inputSha256)).findFirst();
            if (found.isPresent()) {
                return found.get();
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no audit record of " + inputSha256);
    }

    /** A Decrypt stream on the raw stub: the plaintext bytes it received, its first, its end. */
    private record RawStream(ClientCallStreamObserver<DecryptRequest> requests,
                             AtomicLong received, CountDownLatch firstChunk,
                             CompletableFuture<Status> end) {
        static RawStream start() {
            AtomicLong received = new AtomicLong();
            CountDownLatch firstChunk = new CountDownLatch(1);
            CompletableFuture<Status> end = new CompletableFuture<>();
            var requests = (ClientCallStreamObserver<DecryptRequest>) DecryptionServiceGrpc
                    .newStub(deployment.channel()).decrypt(new StreamObserver<>() {
                        @Override
                        public void onNext(DecryptResponse response) {
                            if (response.getChunk().size() > 0) {
                                received.addAndGet(response.getChunk().size());
                                firstChunk.countDown();
                            }
                        }

                        @Override
                        public void onError(Throwable t) {
                            end.complete(Status.fromThrowable(t));
                        }

                        @Override
                        public void onCompleted() {
                            end.complete(Status.OK);
                        }
                    });
            return new RawStream(requests, received, firstChunk, end);
        }

        void send(byte[] message) {
            requests.onNext(DecryptRequest.newBuilder().setChunk(ByteString.copyFrom(message))
                    .build());
        }
    }
}
