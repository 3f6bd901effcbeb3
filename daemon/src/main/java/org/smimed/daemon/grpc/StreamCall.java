package org.smimed.daemon.grpc;

import com.google.protobuf.ByteString;
import io.grpc.Context;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.ScheduledFuture;
import org.smimed.daemon.cms.InvalidRequestException;
import org.smimed.daemon.policy.InFlightBytes;
import org.smimed.daemon.policy.LimitExceededException;
import org.smimed.daemon.policy.StreamTimeoutException;

/**
 * The life of a call streamed both ways in bounded memory (Decrypt, SignStream): the chunks
 * gRPC delivers go into a {@link ChunkPipe} that a worker thread reads from, and the worker's
 * answers go out only as fast as the client takes them. Subclasses say only what the requests
 * mean ({@link #take}) and when the input is complete ({@link #checkComplete}), and may run
 * the work of a small input that has all arrived on gRPC's own thread ({@link #inputComplete}).
 *
 * <p>Guarantees: gRPC is asked for {@link #WINDOW} messages ahead and one more per message the
 * worker takes (manual flow control), so a client cannot outrun the daemon; every byte received
 * counts against the size limit (INVALID_ARGUMENT beyond it, naming limits.maxMessageBytes) and
 * the caller's in-flight byte budgets (RESOURCE_EXHAUSTED beyond them); the worker blocks while
 * the transport is not ready instead of queueing responses; the call ends exactly once, and
 * however it ends (answer, error, client cancellation, idle or total timeout) its bytes are given
 * back, its timers cancelled and its worker released. Methods are synchronized because gRPC, the
 * timer thread and the worker all act on the call.
 */
abstract class StreamCall<Q, A> implements StreamObserver<Q> {
    /** Messages requested ahead of the worker. */
    static final int WINDOW = 4;

    /** What a worker does; whatever it throws ends the call with the matching status. */
    interface Work {
        void run() throws Exception;
    }

    private final ServerCallStreamObserver<A> response;
    private final StatusMapper statuses;
    private final StreamGuards guards;
    private final long maxBytes;
    private final String input;
    private final InFlightBytes.Reservation reservation;
    private final ChunkPipe pipe;
    private final Context context;
    private final ScheduledFuture<?> deadline;
    private ScheduledFuture<?> idle;
    private long received;
    private boolean ended;
    /** The work runs on gRPC's own thread ({@link #inputComplete}). */
    private boolean inline;

    /**
     * @param maxBytes the most bytes the client may send (limits.maxMessageBytes)
     * @param input    what the client sends, for messages ("content", "message")
     * @param overdue  what has not happened when the total time runs out ("content not signed")
     */
    StreamCall(StreamObserver<A> response, StatusMapper statuses, StreamGuards guards,
               String caller, long maxBytes, String input, String overdue) {
        this.response = (ServerCallStreamObserver<A>) response;
        this.statuses = statuses;
        this.guards = guards;
        this.maxBytes = maxBytes;
        this.input = input;
        // The call's context (request id, caller, audit notes) goes with the work to the worker
        // and timer threads, so errors there are reported like errors on gRPC's own threads.
        this.context = Context.current();
        this.reservation = guards.bytes().open(caller);
        this.pipe = new ChunkPipe(() -> this.response.request(1), reservation);
        this.response.disableAutoRequest();
        this.response.setOnReadyHandler(this::ready);
        this.response.setOnCancelHandler(this::cancelled);
        this.deadline = guards.after(guards.total(), context.wrap(() -> timeout(
                new StreamTimeoutException(overdue + " within "
                        + guards.total().toSeconds() + " s (limits.maxDecryptSeconds)"))));
        this.idle = idleTimer();
        this.response.request(WINDOW);
    }

    /** Handles one request of a call that has not ended (on gRPC's thread, synchronized). */
    abstract void take(Q part);

    /** The client has sent everything: refuses an input that is not a whole request. */
    abstract void checkComplete() throws InvalidRequestException;

    @Override
    public final synchronized void onNext(Q part) {
        if (ended) {
            return;
        }
        restartIdle();
        take(part);
    }

    @Override
    public final synchronized void onError(Throwable t) {
        // The client cancelled or the transport broke: nobody to answer, just let go.
        end();
    }

    @Override
    public final void onCompleted() {
        Work here = completed();
        if (here != null) {
            run(here); // outside the call's lock: the timer thread can still end the call
        }
    }

    private synchronized Work completed() {
        if (ended) {
            return null;
        }
        try {
            checkComplete();
        } catch (InvalidRequestException e) {
            fail(e);
            return null;
        }
        pipe.endOfInput();
        Work here = inputComplete();
        inline = here != null;
        return here;
    }

    /**
     * The whole input has arrived (on gRPC's thread, synchronized): the work to run now on
     * this thread instead of a worker, or null. Only for work whose responses stay below the
     * ready threshold in all: this thread is the one gRPC would tell that the transport is
     * ready again, so {@link #send} does not wait for it here.
     */
    Work inputComplete() {
        return null;
    }

    /**
     * Counts {@code chunk} against the size limit and charges it to the caller's budgets; false
     * (and the call failed) if either refuses it.
     */
    final boolean accept(ByteString chunk) {
        try {
            if (received + chunk.size() > maxBytes) {
                throw InvalidRequestException.overMaxMessageBytes(input, maxBytes);
            }
            reservation.grow(chunk.size());
        } catch (InvalidRequestException | LimitExceededException e) {
            fail(e);
            return false;
        }
        received += chunk.size();
        return true;
    }

    /** Bytes received so far. */
    final long received() {
        return received;
    }

    /** What the worker reads the input from. */
    final ChunkPipe pipe() {
        return pipe;
    }

    /** Asks gRPC for one more request (for one the pipe never sees). */
    final void requestNext() {
        response.request(1);
    }

    /** Reports the call ready with up to {@code bytes} of responses queued in the transport. */
    final void readyBelow(int bytes) {
        response.setOnReadyThreshold(bytes);
    }

    /**
     * Runs {@code work} on a worker thread, in the call's context; ends the call with
     * RESOURCE_EXHAUSTED if limits.maxStreams workers are busy.
     */
    final void startWorker(Work work) {
        try {
            guards.startWorker(context.wrap(() -> run(work)));
        } catch (LimitExceededException e) {
            fail(e);
        }
    }

    private void run(Work work) {
        try {
            work.run();
        } catch (Exception e) {
            fail(e);
        } catch (Error e) {
            // A missing class, a stack overflow: the caller still hears INTERNAL at once rather
            // than the idle timer's "no data" DEADLINE_EXCEEDED half a minute later (an
            // operator trial, a jar replaced under a running daemon); the error goes on to the
            // thread's handler, which logs it.
            fail(e);
            throw e;
        }
    }

    /**
     * Sends one response, waiting while the transport is not ready for it.
     *
     * @throws CallEndedException if the call ended (timeout, cancellation) meanwhile
     */
    final synchronized void send(A message) throws CallEndedException, InterruptedException {
        while (!ended && !inline && !response.isReady()) {
            wait();
        }
        if (ended) {
            throw new CallEndedException();
        }
        response.onNext(message);
        restartIdle();
    }

    /** Ends the call with OK. */
    final synchronized void complete() {
        if (!ended) {
            end();
            response.onCompleted();
        }
    }

    /** Ends the call with the status for {@code e} (nothing if it has already ended). */
    final synchronized void fail(Throwable e) {
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
                // "No data" blamed the client's sending when it was only slow to read the
                // plaintext (a Python client trial): either stalls the stream.
                new StreamTimeoutException("no progress for " + guards.idle().toSeconds()
                        + " s: no request data arrived and no response could be sent (the"
                        + " client must keep reading as well as sending; limits.streamIdleSeconds)"
                ))));
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
