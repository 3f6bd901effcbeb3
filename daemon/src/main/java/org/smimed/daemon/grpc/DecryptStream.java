package org.smimed.daemon.grpc;

import io.grpc.stub.StreamObserver;
import java.io.InputStream;
import org.smimed.api.v1.DecryptRequest;
import org.smimed.api.v1.DecryptResponse;
import org.smimed.daemon.cms.InvalidRequestException;

/**
 * One Decrypt call, streamed both ways in bounded memory with the lifecycle of a
 * {@link StreamCall}: the first message names the identity (if any) and starts the worker,
 * every message's chunk is part of the CMS message.
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

    private final Worker worker;
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
        if (!accept(part.getChunk())) {
            return;
        }
        pipe().put(part.getChunk());
        if (!started) {
            started = true;
            String identity = part.getIdentity();
            startWorker(() -> worker.run(identity, pipe(), this));
        }
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
