package org.smimed.daemon.grpc;

import io.grpc.stub.StreamObserver;
import java.io.InputStream;
import org.smimed.api.v1.SignStreamHeader;
import org.smimed.api.v1.SignStreamRequest;
import org.smimed.api.v1.SignStreamResponse;
import org.smimed.daemon.cms.InvalidRequestException;

/**
 * One SignStream call, streamed both ways in bounded memory with the lifecycle of a
 * {@link StreamCall}: the header starts the worker, which hashes the content chunks that
 * follow as they arrive.
 *
 * <p>Guarantees: those of {@link StreamCall}; the first request must be the header and only
 * the first (INVALID_ARGUMENT otherwise); content has no header to keep, so every byte is given
 * back to the caller's budgets once it is hashed.
 */
final class SignStreamCall extends StreamCall<SignStreamRequest, SignStreamResponse> {
    /** Signs the content arriving on {@code content} as {@code header} says. */
    interface Worker {
        void run(SignStreamHeader header, InputStream content, SignStreamCall call)
                throws Exception;
    }

    private final Worker worker;
    private boolean started;

    SignStreamCall(StreamObserver<SignStreamResponse> response, StatusMapper statuses,
                   StreamGuards guards, String caller, long maxContentBytes, Worker worker) {
        super(response, statuses, guards, caller, maxContentBytes, "content",
                "content not signed");
        this.worker = worker;
        pipe().releaseAsConsumed();
    }

    @Override
    void take(SignStreamRequest part) {
        if (!started) {
            start(part);
            return;
        }
        if (part.hasHeader()) {
            fail(new InvalidRequestException("a second header: only the first SignStream"
                    + " request carries one"));
            return;
        }
        if (!accept(part.getChunk())) {
            return;
        }
        if (part.getChunk().isEmpty()) {
            requestNext(); // nothing for the worker: keep the window open
        } else {
            pipe().put(part.getChunk());
        }
    }

    private void start(SignStreamRequest first) {
        if (!first.hasHeader()) {
            fail(new InvalidRequestException("the first SignStream request must carry the"
                    + " header (identity and options), not content"));
            return;
        }
        started = true;
        requestNext(); // the header took a place in the window; the pipe never sees it
        SignStreamHeader header = first.getHeader();
        startWorker(() -> worker.run(header, pipe(), this));
    }

    @Override
    void checkComplete() throws InvalidRequestException {
        if (!started) {
            throw new InvalidRequestException("no header: the first SignStream request must"
                    + " carry the identity and options");
        }
    }
}
