package org.smimed.daemon.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.smimed.api.v1.SignStreamHeader;
import org.smimed.api.v1.SignStreamRequest;
import org.smimed.api.v1.SignStreamResponse;
import org.smimed.api.v1.SignStreamResult;
import org.smimed.api.v1.SigningServiceGrpc;

/** The client side of SignStream for tests: whole calls, a stalled stream, request parts. */
public final class SignStreamCalls {
    private SignStreamCalls() {
    }

    /** What a successful call answered: the signed_data_chunk parts and the result. */
    public record Answer(List<ByteString> chunks, SignStreamResult result) {
        public byte[] signedData() {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            chunks.forEach(c -> out.writeBytes(c.toByteArray()));
            return out.toByteArray();
        }
    }

    public static Answer signStream(ManagedChannel channel, SignStreamHeader header, byte[] content,
                             int chunk) throws Exception {
        List<SignStreamRequest> requests = new ArrayList<>();
        requests.add(request(header));
        for (int offset = 0; offset < content.length; offset += chunk) {
            requests.add(SignStreamRequest.newBuilder().setChunk(ByteString.copyFrom(content,
                    offset, Math.min(chunk, content.length - offset))).build());
        }
        return call(channel, requests);
    }

    public static Answer call(ManagedChannel channel, List<SignStreamRequest> requests)
            throws Exception {
        CompletableFuture<Answer> done = new CompletableFuture<>();
        var observer = SigningServiceGrpc.newStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS)
                .signStream(new io.grpc.stub.StreamObserver<>() {
                    private final List<ByteString> chunks = new ArrayList<>();
                    private SignStreamResult result;

                    @Override
                    public void onNext(SignStreamResponse value) {
                        if (value.hasResult()) {
                            result = value.getResult();
                        } else {
                            chunks.add(value.getSignedDataChunk());
                        }
                    }

                    @Override
                    public void onError(Throwable t) {
                        done.completeExceptionally(t);
                    }

                    @Override
                    public void onCompleted() {
                        done.complete(new Answer(chunks, result));
                    }
                });
        for (SignStreamRequest request : requests) {
            if (done.isDone()) {
                break;
            }
            observer.onNext(request);
        }
        observer.onCompleted();
        try {
            return done.get(60, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof StatusRuntimeException s ? s : e;
        }
    }

    /**
     * An encapsulating stream whose client takes no response: the daemon's output stalls, its
     * worker waits, and the chunks it asked for sit in its pipe, charged to the caller.
     */
    public static final class StalledStream implements ClientResponseObserver<SignStreamRequest,
            SignStreamResponse> {
        private ClientCallStreamObserver<SignStreamRequest> requests;

        public static StalledStream open(ManagedChannel channel) throws Exception {
            StalledStream stalled = new StalledStream();
            SigningServiceGrpc.newStub(channel).signStream(stalled);
            stalled.requests.onNext(request(header(TestDeployment.RSA, true)));
            byte[] half = new byte[512 * 1024];
            long quietSince = System.nanoTime();
            int sent = 0;
            // Sends while the transport takes it; blocked for five seconds means the daemon has
            // stopped asking for more: its pipe is full. (One second was not enough when a
            // loaded host paused the daemon before it asked for its chunks.)
            while (System.nanoTime() - quietSince < 5_000_000_000L) {
                if (stalled.requests.isReady()) {
                    assertThat(sent).as("the daemon never stopped reading").isLessThan(31);
                    stalled.requests.onNext(chunk(half));
                    sent++;
                    quietSince = System.nanoTime();
                } else {
                    Thread.sleep(10);
                }
            }
            return stalled;
        }

        public void cancel() {
            requests.cancel("test cancels", null);
        }

        @Override
        public void beforeStart(ClientCallStreamObserver<SignStreamRequest> requestStream) {
            this.requests = requestStream;
            requestStream.disableAutoRequestWithInitial(0);
        }

        @Override
        public void onNext(SignStreamResponse value) {
        }

        @Override
        public void onError(Throwable t) {
        }

        @Override
        public void onCompleted() {
        }
    }

    public static SignStreamHeader header(String identity, boolean encapsulate) {
        return SignStreamHeader.newBuilder().setIdentity(identity).setEncapsulate(encapsulate)
                .build();
    }

    public static SignStreamRequest request(SignStreamHeader header) {
        return SignStreamRequest.newBuilder().setHeader(header).build();
    }

    public static SignStreamRequest chunk(byte[] bytes) {
        return SignStreamRequest.newBuilder().setChunk(ByteString.copyFrom(bytes)).build();
    }
}
