package org.smimed.daemon.grpc;

import com.google.protobuf.ByteString;
import io.grpc.Context;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.InputStream;
import java.util.concurrent.ScheduledFuture;
import org.smimed.api.v1.SignStreamHeader;
import org.smimed.api.v1.SignStreamRequest;
import org.smimed.api.v1.SignStreamResponse;
import org.smimed.daemon.cms.InvalidRequestException;
import org.smimed.daemon.policy.InFlightBytes;
import org.smimed.daemon.policy.LimitExceededException;
import org.smimed.daemon.policy.StreamTimeoutException;

/**
 * One SignStream call, streamed both ways in bounded memory, with the machinery of a Decrypt
 * call ({@link DecryptStream}): the content chunks gRPC delivers go into a {@link ChunkPipe}
 * that a worker hashes from, and the worker's answers go out only as fast as the client takes
 * them.
 *
 * <p>Guarantees: the first request must be the header and only the first (INVALID_ARGUMENT
 * otherwise); gRPC is asked for {@link #WINDOW} messages ahead and one more per chunk the
 * worker takes (manual flow control); the content counts against limits.maxMessageBytes and the
 * caller's in-flight byte budgets (RESOURCE_EXHAUSTED beyond either), its bytes given back as
 * they are hashed; the worker blocks while the transport is not ready instead of queueing
 * responses; the call ends exactly once, and however it ends (answer, error, client
 * cancellation, idle or total timeout) its bytes are given back, its timers cancelled and its
 * worker released. Methods are synchronized because gRPC, the timer thread and the worker all
 * act on the call.
 */
final class SignStreamCall implements StreamObserver<SignStreamRequest> {
    /** Messages requested ahead of the worker. */
    static final int WINDOW = 4;

    /** Signs the content arriving on {@code content} as {@code header} says. */
    interface Worker {
        void run(SignStreamHeader header, InputStream content, SignStreamCall call)
                throws Exception;
    }

    private final ServerCallStreamObserver<SignStreamResponse> response;
    private final StatusMapper statuses;
    private final StreamGuards guards;
    private final long maxContentBytes;
    private final Worker worker;
    private final InFlightBytes.Reservation reservation;
    private final ChunkPipe pipe;
    private final Context context;
    private final ScheduledFuture<?> deadline;
    private ScheduledFuture<?> idle;
    private long received;
    private boolean started;
    private boolean ended;

    SignStreamCall(StreamObserver<SignStreamResponse> response, StatusMapper statuses,
                   StreamGuards guards, String caller, long maxContentBytes, Worker worker) {
        this.response = (ServerCallStreamObserver<SignStreamResponse>) response;
        this.statuses = statuses;
        this.guards = guards;
        this.maxContentBytes = maxContentBytes;
        this.worker = worker;
        // The call's context (request id, caller, audit notes) goes with the work to the worker
        // and timer threads, so errors there are reported like errors on gRPC's own threads.
        this.context = Context.current();
        this.reservation = guards.bytes().open(caller);
        this.pipe = new ChunkPipe(() -> this.response.request(1), reservation);
        // Content has no header to keep: every byte is given back once it is hashed.
        this.pipe.releaseAsConsumed();
        this.response.disableAutoRequest();
        this.response.setOnReadyHandler(this::ready);
        this.response.setOnCancelHandler(this::cancelled);
        this.deadline = guards.after(guards.total(), context.wrap(() -> timeout(
                new StreamTimeoutException("content not signed within "
                        + guards.total().toSeconds() + " s (limits.maxDecryptSeconds)"))));
        this.idle = idleTimer();
        this.response.request(WINDOW);
    }

    @Override
    public synchronized void onNext(SignStreamRequest part) {
        if (ended) {
            return;
        }
        restartIdle();
        if (!started) {
            start(part);
            return;
        }
        if (part.hasHeader()) {
            fail(new InvalidRequestException("a second header: only the first SignStream"
                    + " request carries one"));
            return;
        }
        ByteString chunk = part.getChunk();
        try {
            if (received + chunk.size() > maxContentBytes) {
                throw new LimitExceededException("content is larger than the limit of "
                        + maxContentBytes + " bytes (limits.maxMessageBytes)");
            }
            reservation.grow(chunk.size());
        } catch (LimitExceededException e) {
            fail(e);
            return;
        }
        received += chunk.size();
        if (chunk.isEmpty()) {
            response.request(1); // nothing for the worker: keep the window open
        } else {
            pipe.put(chunk);
        }
    }

    private void start(SignStreamRequest first) {
        if (!first.hasHeader()) {
            fail(new InvalidRequestException("the first SignStream request must carry the"
                    + " header (identity and options), not content"));
            return;
        }
        started = true;
        response.request(1); // the header took a place in the window; the pipe never sees it
        SignStreamHeader header = first.getHeader();
        guards.workers().execute(context.wrap(() -> work(header)));
    }

    @Override
    public synchronized void onError(Throwable t) {
        // The client cancelled or the transport broke: nobody to answer, just let go.
        end();
    }

    @Override
    public synchronized void onCompleted() {
        if (ended) {
            return;
        }
        if (!started) {
            fail(new InvalidRequestException("no header: the first SignStream request must"
                    + " carry the identity and options"));
            return;
        }
        pipe.endOfInput();
    }

    private void work(SignStreamHeader header) {
        try {
            worker.run(header, pipe, this);
        } catch (Exception e) {
            fail(e);
        }
    }

    /**
     * Sends one response, waiting while the transport is not ready for it.
     *
     * @throws DecryptStream.CallEndedException if the call ended (timeout, cancellation)
     */
    synchronized void send(SignStreamResponse message)
            throws DecryptStream.CallEndedException, InterruptedException {
        while (!ended && !response.isReady()) {
            wait();
        }
        if (ended) {
            throw new DecryptStream.CallEndedException();
        }
        response.onNext(message);
        restartIdle();
    }

    /** Ends the call with OK. */
    synchronized void complete() {
        if (!ended) {
            end();
            response.onCompleted();
        }
    }

    /** Ends the call with the status for {@code e} (nothing if it has already ended). */
    synchronized void fail(Exception e) {
        if (!ended) {
            end();
            response.onError(statuses.toStatus(e));
        }
    }

    private synchronized void ready() {
        notifyAll();
    }

    private synchronized void cancelled() {
        end();
    }

    private synchronized void timeout(StreamTimeoutException e) {
        fail(e);
    }

    private void restartIdle() {
        idle.cancel(false);
        idle = idleTimer();
    }

    private ScheduledFuture<?> idleTimer() {
        return guards.after(guards.idle(), context.wrap(() -> timeout(
                new StreamTimeoutException("no data for " + guards.idle().toSeconds()
                        + " s (limits.streamIdleSeconds)"))));
    }

    private void end() {
        if (ended) {
            return;
        }
        ended = true;
        idle.cancel(false);
        deadline.cancel(false);
        pipe.abort();
        reservation.close();
        notifyAll();
    }
}
