package org.smimed.daemon.testing;

import com.google.protobuf.ByteString;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayOutputStream;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.smimed.api.v1.DecryptMessageRequest;
import org.smimed.api.v1.DecryptMessageResponse;
import org.smimed.api.v1.DecryptRequest;
import org.smimed.api.v1.DecryptResponse;
import org.smimed.api.v1.DecryptResult;
import org.smimed.api.v1.DecryptionServiceGrpc;

/**
 * Calls the streaming Decrypt RPC with raw stubs, in small chunks, and collects the answer; or
 * DecryptMessage, the whole message in one request.
 */
public final class DecryptCall {
    private DecryptCall() {
    }

    /** The first response message and the concatenated plaintext. */
    public record Answer(DecryptResult result, byte[] plaintext) {}

    /**
     * A Decrypt call that has sent only the first {@code bytes} of a message and not
     * half-closed: it stays open (holding its caller's permit) until the daemon ends it or
     * {@link #cancel} does; {@code ended} completes with the error that ended it (null on OK).
     */
    public record Unfinished(StreamObserver<DecryptRequest> requests,
                             CompletableFuture<Throwable> ended) {
        public static Unfinished start(Channel channel, byte[] message, int bytes) {
            CompletableFuture<Throwable> ended = new CompletableFuture<>();
            StreamObserver<DecryptRequest> requests = DecryptionServiceGrpc.newStub(channel)
                    .decrypt(new StreamObserver<>() {
                        @Override
                        public void onNext(DecryptResponse value) {
                        }

                        @Override
                        public void onError(Throwable t) {
                            ended.complete(t);
                        }

                        @Override
                        public void onCompleted() {
                            ended.complete(null);
                        }
                    });
            requests.onNext(DecryptRequest.newBuilder()
                    .setChunk(ByteString.copyFrom(message, 0, bytes)).build());
            return new Unfinished(requests, ended);
        }

        public void cancel() {
            requests.onError(Status.CANCELLED.asException());
        }
    }

    /** The whole {@code message} in one DecryptMessage call (identity null for any). */
    public static Answer whole(Channel channel, String identity, byte[] message) {
        DecryptMessageRequest.Builder request = DecryptMessageRequest.newBuilder()
                .setMessage(ByteString.copyFrom(message));
        if (identity != null) {
            request.setIdentity(identity);
        }
        DecryptMessageResponse response = DecryptionServiceGrpc.newBlockingStub(channel)
                .withDeadlineAfter(60, TimeUnit.SECONDS).decryptMessage(request.build());
        return new Answer(response.getResult(), response.getPlaintext().toByteArray());
    }

    public static Answer decrypt(Channel channel, String identity, byte[] message, int chunk)
            throws Exception {
        CompletableFuture<Answer> done = new CompletableFuture<>();
        StreamObserver<DecryptRequest> requests = DecryptionServiceGrpc.newStub(channel)
                .withDeadlineAfter(60, TimeUnit.SECONDS)
                .decrypt(new StreamObserver<>() {
                    private DecryptResult result;
                    private final ByteArrayOutputStream plaintext = new ByteArrayOutputStream();

                    @Override
                    public void onNext(DecryptResponse value) {
                        if (value.hasResult()) {
                            result = value.getResult();
                        } else {
                            plaintext.writeBytes(value.getChunk().toByteArray());
                        }
                    }

                    @Override
                    public void onError(Throwable t) {
                        done.completeExceptionally(t);
                    }

                    @Override
                    public void onCompleted() {
                        done.complete(new Answer(result, plaintext.toByteArray()));
                    }
                });
        for (int offset = 0; offset < message.length || offset == 0; offset += chunk) {
            DecryptRequest.Builder part = DecryptRequest.newBuilder().setChunk(ByteString.copyFrom(
                    message, offset, Math.min(chunk, message.length - offset)));
            if (offset == 0 && identity != null) {
                part.setIdentity(identity);
            }
            requests.onNext(part.build());
            if (message.length == 0) {
                break;
            }
        }
        requests.onCompleted();
        try {
            return done.get(60, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof StatusRuntimeException s) {
                throw s;
            }
            throw e;
        }
    }
}
