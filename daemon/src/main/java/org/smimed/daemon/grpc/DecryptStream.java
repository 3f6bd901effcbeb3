package org.smimed.daemon.grpc;

import com.google.protobuf.ByteString;
import io.grpc.Context;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.InputStream;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledFuture;
import org.smimed.api.v1.DecryptRequest;
import org.smimed.api.v1.DecryptResponse;
import org.smimed.daemon.cms.InvalidRequestException;
import org.smimed.daemon.policy.InFlightBytes;
import org.smimed.daemon.policy.LimitExceededException;
import org.smimed.daemon.policy.StreamTimeoutException;

/**
 * One Decrypt call, streamed both ways in bounded memory: the chunks gRPC delivers go into a
 * {@link ChunkPipe} that a worker thread decrypts from, and the worker's answers go out only as
 * fast as the client takes them.
 *
 * <p>Guarantees: gRPC is asked for {@link #WINDOW} messages ahead and one more per message the
 * worker takes (manual flow control), so a client cannot outrun the daemon; the worker blocks
 * while the transport is not ready instead of queueing responses; the call ends exactly once
 * (answer or error), and however it ends (answer, error, client cancellation, idle or total
 * timeout) its bytes are given back, its timers cancelled and its worker released. The size
 * limit counts every byte received. Methods are synchronized because gRPC, the timer thread
 * and the worker all act on the call.
 */
final class DecryptStream implements StreamObserver<DecryptRequest> {
    /** Messages requested ahead of the worker. */
    static final int WINDOW = 4;
    /** Response bytes queued in the transport before the call stops being ready. */
    static final int READY_BYTES = 256 * 1024;

    /** Decrypts the message arriving on {@code message} and answers through {@code call}. */
    interface Worker {
        void run(String identity, InputStream message, DecryptStream call) throws Exception;
    }

    private final ServerCallStreamObserver<DecryptResponse> response;
    private final StatusMapper statuses;
    private final StreamGuards guards;
    private final long maxMessageBytes;
    private final Worker worker;
    private final Executor workers;
    private final InFlightBytes.Reservation reservation;
    private final ChunkPipe pipe;
    private final Context context;
    private final ScheduledFuture<?> deadline;
    private ScheduledFuture<?> idle;
    private long received;
    private boolean started;
    private boolean ended;

    DecryptStream(StreamObserver<DecryptResponse> response, StatusMapper statuses,
                  StreamGuards guards, String caller, long maxMessageBytes, Worker worker) {
        this.response = (ServerCallStreamObserver<DecryptResponse>) response;
        this.statuses = statuses;
        this.guards = guards;
        this.maxMessageBytes = maxMessageBytes;
        this.worker = worker;
        // The call's context (request id, caller, audit notes) goes with the work to the worker
        // and timer threads, so errors there are reported like errors on gRPC's own threads.
        this.context = Context.current();
        this.workers = guards.workers();
        this.reservation = guards.bytes().open(caller);
        this.pipe = new ChunkPipe(() -> this.response.request(1), reservation);
        this.response.disableAutoRequest();
        // Ready below a few chunks queued, not gRPC's default 32 KiB: otherwise every 64 KiB
        // plaintext chunk waits for the transport to drain it (a hand-off between this worker
        // and the event loop per chunk); still a bound on what one call queues.
        this.response.setOnReadyThreshold(READY_BYTES);
        this.response.setOnReadyHandler(this::ready);
        this.response.setOnCancelHandler(this::cancelled);
        this.deadline = guards.after(guards.total(), context.wrap(() -> timeout(
                new StreamTimeoutException("message not decrypted within "
                        + guards.total().toSeconds() + " s (limits.maxDecryptSeconds)"))));
        this.idle = idleTimer();
        this.response.request(WINDOW);
    }

    @Override
    public synchronized void onNext(DecryptRequest part) {
        if (ended) {
            return;
        }
        ByteString chunk = part.getChunk();
        try {
            if (received + chunk.size() > maxMessageBytes) {
                throw new InvalidRequestException("message is larger than the limit of "
                        + maxMessageBytes + " bytes (limits.maxMessageBytes)");
            }
            reservation.grow(chunk.size());
        } catch (InvalidRequestException | LimitExceededException e) {
            fail(e);
            return;
        }
        received += chunk.size();
        restartIdle();
        pipe.put(chunk);
        if (!started) {
            started = true;
            String identity = part.getIdentity();
            workers.execute(context.wrap(() -> work(identity)));
        }
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
        if (received == 0) {
            fail(new InvalidRequestException("empty message: send the CMS"
                    + " EnvelopedData or AuthEnvelopedData in chunk fields"));
            return;
        }
        pipe.endOfInput();
    }

    private void work(String identity) {
        try {
            worker.run(identity, pipe, this);
        } catch (Exception e) {
            fail(e);
        }
    }

    /** The envelope's header has been parsed: later bytes are released as they are read. */
    void headerRead() {
        pipe.releaseAsConsumed();
    }

    /**
     * Sends one response, waiting while the transport is not ready for it.
     *
     * @throws CallEndedException if the call ended (timeout, cancellation) meanwhile
     */
    synchronized void send(DecryptResponse message) throws CallEndedException,
            InterruptedException {
        while (!ended && !response.isReady()) {
            wait();
        }
        if (ended) {
            throw new CallEndedException();
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

    /** The call ended while the worker was still answering; the worker just stops. */
    static final class CallEndedException extends Exception {
        CallEndedException() {
            super("call already ended", null, false, false);
        }
    }
}
