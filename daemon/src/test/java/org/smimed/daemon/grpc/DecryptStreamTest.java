package org.smimed.daemon.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.grpc.stub.ServerCallStreamObserver;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.smimed.api.v1.DecryptRequest;
import org.smimed.api.v1.DecryptResponse;
import org.smimed.daemon.config.DaemonConfig;

/**
 * Where a Decrypt call's work runs: a small message sent whole on the thread that delivers the
 * half-close (gRPC's handler), without waiting for the transport; anything else on a worker
 * that reads the input as it arrives. The worker here stands in for the CMS decryption (which
 * the ITs cover against the token): it reads the input and answers with what it read.
 */
class DecryptStreamTest {
    private static final StatusMapper STATUSES = new StatusMapper(Clock.systemUTC());

    private final StreamGuards guards = new StreamGuards(new DaemonConfig.Limits(1 << 24));
    private final Transport transport = new Transport();
    private final AtomicReference<Thread> workerThread = new AtomicReference<>();
    private final CountDownLatch workerStarted = new CountDownLatch(1);

    @AfterEach
    void close() {
        guards.close();
    }

    @Test
    void smallMessageSentWhole_isDecryptedOnTheHalfClosingThread_withoutWaitingForReady() {
        transport.ready = false; // the transport would never tell a blocked handler thread
        DecryptStream call = call();

        call.onNext(request("a-id", bytes(4096, 1)));
        assertThat(workerStarted.getCount()).as("no worker before the half-close").isEqualTo(1);
        call.onCompleted();

        assertThat(workerThread.get()).isSameAs(Thread.currentThread());
        assertThat(transport.sent).containsExactly(answer("a-id", bytes(4096, 1)));
        assertThat(transport.completed.getCount()).isZero();
        assertThat(transport.failure.get()).isNull();
    }

    @Test
    void messageInSeveralRequests_isReadByAWorkerAsItArrives() throws Exception {
        DecryptStream call = call();

        call.onNext(request("an-id", bytes(100, 1)));
        call.onNext(request("", bytes(200, 2)));
        assertThat(workerStarted.await(10, TimeUnit.SECONDS)).as("worker started").isTrue();
        call.onCompleted();

        assertThat(transport.completed.await(10, TimeUnit.SECONDS)).as("completed").isTrue();
        assertThat(transport.failure.get()).isNull();
        assertThat(workerThread.get()).isNotSameAs(Thread.currentThread());
        assertThat(transport.sent).containsExactly(answer("an-id",
                bytes(100, 1).concat(bytes(200, 2))));
    }

    @Test
    void largeFirstRequest_startsTheWorkerBeforeTheHalfClose() throws Exception {
        DecryptStream call = call();

        call.onNext(request("", bytes(DecryptStream.INLINE_BYTES + 1, 3)));

        assertThat(workerStarted.await(10, TimeUnit.SECONDS)).as("worker started").isTrue();
        call.onCompleted();
        assertThat(transport.completed.await(10, TimeUnit.SECONDS)).as("completed").isTrue();
        assertThat(transport.failure.get()).isNull();
        assertThat(transport.sent).containsExactly(answer("",
                bytes(DecryptStream.INLINE_BYTES + 1, 3)));
    }

    @Test
    void anErrorInTheWorker_endsTheCallAsInternalAtOnce() throws Exception {
        DecryptStream call = new DecryptStream(transport, STATUSES, guards, "caller",
                1 << 24, (identity, message, started) -> {
                    throw new NoClassDefFoundError("org/smimed/daemon/cms/Replaced");
                });

        call.onNext(request("an-id", bytes(100, 1)));
        call.onNext(request("", bytes(200, 2)));

        // Before the fix the worker thread died and only the idle timer (30 s) ended the call.
        assertThat(transport.completed.await(10, TimeUnit.SECONDS)).as("call ended").isTrue();
        assertThat(io.grpc.Status.fromThrowable(transport.failure.get()).getCode())
                .isEqualTo(io.grpc.Status.Code.INTERNAL);
    }

    private DecryptStream call() {
        return new DecryptStream(transport, STATUSES, guards, "caller", 1 << 24,
                (identity, message, call) -> {
                    workerThread.set(Thread.currentThread());
                    workerStarted.countDown();
                    call.headerRead();
                    call.send(answer(identity, ByteString.readFrom(message)));
                    call.complete();
                });
    }

    private static DecryptRequest request(String identity, ByteString chunk) {
        return DecryptRequest.newBuilder().setIdentity(identity).setChunk(chunk).build();
    }

    private static DecryptResponse answer(String identity, ByteString read) {
        return DecryptResponse.newBuilder().setChunk(ByteString.copyFromUtf8(identity)
                .concat(read)).build();
    }

    private static ByteString bytes(int n, int value) {
        byte[] b = new byte[n];
        java.util.Arrays.fill(b, (byte) value);
        return ByteString.copyFrom(b);
    }

    /** The server side of a call as gRPC would hand it to the service. */
    private static final class Transport extends ServerCallStreamObserver<DecryptResponse> {
        final List<DecryptResponse> sent = new CopyOnWriteArrayList<>();
        /** Counted down when the call ends, well or not. */
        final CountDownLatch completed = new CountDownLatch(1);
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        volatile boolean ready = true;

        @Override
        public void onNext(DecryptResponse value) {
            sent.add(value);
        }

        @Override
        public void onError(Throwable t) {
            failure.set(t);
            completed.countDown();
        }

        @Override
        public void onCompleted() {
            completed.countDown();
        }

        @Override
        public boolean isReady() {
            return ready;
        }

        @Override
        public boolean isCancelled() {
            return false;
        }

        @Override
        public void setOnCancelHandler(Runnable onCancelHandler) {
        }

        @Override
        public void setCompression(String compression) {
        }

        @Override
        public void setOnReadyHandler(Runnable onReadyHandler) {
        }

        @Override
        public void disableAutoInboundFlowControl() {
        }

        @Override
        public void disableAutoRequest() {
        }

        @Override
        public void setOnReadyThreshold(int numBytes) {
        }

        @Override
        public void request(int count) {
        }

        @Override
        public void setMessageCompression(boolean enable) {
        }
    }
}
