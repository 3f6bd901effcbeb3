package org.smimed.daemon.grpc;

import io.grpc.stub.StreamObserver;
import java.io.InputStream;
import org.smimed.api.v1.DecryptRequest;
import org.smimed.api.v1.DecryptResponse;
import org.smimed.daemon.cms.InvalidRequestException;

/**
 * One Decrypt call, streamed both ways in bounded memory with the lifecycle of a
 * {@link StreamCall}: the first message names the identity (if any), every message's chunk is
 * part of the CMS message. A second message, or a first larger than {@link #INLINE_BYTES},
 * starts the worker; a small message sent whole is decrypted when the client half-closes.
 *
 * <p>Guarantees: those of {@link StreamCall}, the size limit counting every byte received; the
 * envelope's header stays charged to the caller's budgets until the call ends, later bytes are
 * given back as they are read ({@link #headerRead()}); an empty message is INVALID_ARGUMENT.
 */
final class DecryptStream extends StreamCall<DecryptRequest, DecryptResponse> {
    /** Response bytes queued in the transport before the call stops being ready. */
    static final int READY_BYTES = 256 * 1024;

    /** Decrypts the message arriving on {@code message} and answers through {@code call}. */
    interface Worker {
        void run(String identity, InputStream message, DecryptStream call) throws Exception;
    }

    /**
     * A message this small that arrives in one request is decrypted on gRPC's handler thread
     * once it has all arrived, as a unary call would be: no hand-off to a worker, and the
     * token work stays within the handler pool (operations.workerThreads). Its plaintext is no
     * longer than the message, so its responses stay below {@link #READY_BYTES}.
     */
    static final int INLINE_BYTES = 64 * 1024;

    private final Worker worker;
    private String identity;
    private int requests;
    private boolean started;

    DecryptStream(StreamObserver<DecryptResponse> response, StatusMapper statuses,
                  StreamGuards guards, String caller, long maxMessageBytes, Worker worker) {
        super(response, statuses, guards, caller, maxMessageBytes, "message",
                "message not decrypted");
        this.worker = worker;
        // Ready below a few chunks queued, not gRPC's default 32 KiB: otherwise every 64 KiB
        // plaintext chunk waits for the transport to drain it (a hand-off between this worker
        // and the event loop per chunk); still a bound on what one call queues.
        readyBelow(READY_BYTES);
    }

    @Override
    void take(DecryptRequest part) {
        if (requests > 0 && !part.getIdentity().isEmpty()) {
            // Silently ignored, it would look like a restriction that is not there.
            fail(new InvalidRequestException("identity is read only from the first message;"
                    + " a later message named '" + part.getIdentity() + "'"));
            return;
        }
        if (!accept(part.getChunk())) {
            return;
        }
        pipe().put(part.getChunk());
        if (requests++ == 0) {
            identity = part.getIdentity();
        }
        if (!started && (requests > 1 || received() > INLINE_BYTES)) {
            started = true; // more is coming, or too much to answer without flow control
            startWorker(work());
        }
    }

    @Override
    StreamCall.Work inputComplete() {
        if (started) {
            return null;
        }
        started = true;
        return work();
    }

    private StreamCall.Work work() {
        String name = identity;
        return () -> worker.run(name, pipe(), this);
    }

    @Override
    void checkComplete() throws InvalidRequestException {
        if (received() == 0) {
            throw new InvalidRequestException("empty message: send the CMS"
                    + " EnvelopedData or AuthEnvelopedData in chunk fields");
        }
    }

    /** The envelope's header has been parsed: later bytes are released as they are read. */
    void headerRead() {
        pipe().releaseAsConsumed();
    }
}
