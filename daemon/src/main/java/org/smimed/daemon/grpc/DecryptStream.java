package org.smimed.daemon.grpc;

import io.grpc.stub.StreamObserver;
import java.io.ByteArrayOutputStream;
import java.util.concurrent.ScheduledFuture;
import org.smimed.api.v1.DecryptRequest;
import org.smimed.api.v1.DecryptResponse;
import org.smimed.daemon.cms.InvalidRequestException;
import org.smimed.daemon.policy.InFlightBytes;
import org.smimed.daemon.policy.LimitExceededException;
import org.smimed.daemon.policy.StreamTimeoutException;

/**
 * One Decrypt call's inbound side: collects the chunks within the size limit and the caller's
 * in-flight byte budget, and ends the call when the stream stalls or takes too long.
 *
 * <p>Guarantees: the call ends exactly once (answer or error); its bytes are given back and its
 * timers cancelled however it ends (answer, error, cancellation by the client, timeout).
 * Methods are synchronized because the timer thread may end the call while gRPC delivers.
 */
final class DecryptStream implements StreamObserver<DecryptRequest> {
    /** Decrypts a complete message and answers; runs at most once. */
    interface Completion {
        void complete(String identity, byte[] message, StreamObserver<DecryptResponse> response)
                throws Exception;
    }

    private final StreamObserver<DecryptResponse> response;
    private final StatusMapper statuses;
    private final StreamGuards guards;
    private final int maxMessageBytes;
    private final Completion completion;
    private final InFlightBytes.Reservation reservation;
    private final ScheduledFuture<?> deadline;
    private ByteArrayOutputStream message = new ByteArrayOutputStream();
    private ScheduledFuture<?> idle;
    private String identity = "";
    private boolean first = true;
    private boolean ended;

    DecryptStream(StreamObserver<DecryptResponse> response, StatusMapper statuses,
                  StreamGuards guards, String caller, int maxMessageBytes, Completion completion) {
        this.response = response;
        this.statuses = statuses;
        this.guards = guards;
        this.maxMessageBytes = maxMessageBytes;
        this.completion = completion;
        this.reservation = guards.bytes().open(caller);
        this.deadline = guards.after(guards.total(), () -> timeout(new StreamTimeoutException(
                "message did not arrive within " + guards.total().toSeconds()
                        + " s (limits.maxDecryptSeconds)")));
        this.idle = idleTimer();
    }

    @Override
    public synchronized void onNext(DecryptRequest part) {
        if (ended) {
            return;
        }
        idle.cancel(false);
        if (first) {
            identity = part.getIdentity();
            first = false;
        }
        int size = part.getChunk().size();
        try {
            if ((long) message.size() + size > maxMessageBytes) {
                throw new InvalidRequestException("message is larger than the limit of "
                        + maxMessageBytes + " bytes (limits.maxMessageBytes)");
            }
            reservation.grow(size);
        } catch (InvalidRequestException | LimitExceededException e) {
            fail(e);
            return;
        }
        message.writeBytes(part.getChunk().toByteArray());
        idle = idleTimer();
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
        idle.cancel(false);
        deadline.cancel(false);
        try {
            if (message.size() == 0) {
                throw new InvalidRequestException("empty message: send the CMS"
                        + " EnvelopedData or AuthEnvelopedData in chunk fields");
            }
            byte[] whole = message.toByteArray();
            message = null; // only one copy of the message while it is decrypted
            completion.complete(identity, whole, response);
            end();
        } catch (Exception e) {
            fail(e);
        }
    }

    private synchronized void timeout(StreamTimeoutException e) {
        if (!ended) {
            fail(e);
        }
    }

    private ScheduledFuture<?> idleTimer() {
        return guards.after(guards.idle(), () -> timeout(new StreamTimeoutException(
                "no data for " + guards.idle().toSeconds() + " s (limits.streamIdleSeconds)")));
    }

    private void fail(Exception e) {
        end();
        response.onError(statuses.toStatus(e));
    }

    private void end() {
        ended = true;
        message = null;
        idle.cancel(false);
        deadline.cancel(false);
        reservation.close();
    }
}
