package org.smimed.daemon.grpc;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.ArrayDeque;
import org.smimed.daemon.policy.InFlightBytes;

/**
 * The bounded hand-over between gRPC, which delivers a streamed call's chunks (Decrypt's
 * ciphertext, SignStream's content; see {@link StreamCall}), and the worker that consumes
 * them: an {@link InputStream} over the chunks received so far.
 *
 * <p>Guarantees: never holds more than the messages gRPC was asked for (the worker asks for
 * the next one each time it takes one, so a fast client waits for a slow worker instead of
 * filling the heap); the bytes it holds are charged to the call's in-flight reservation and
 * given back as the worker finishes each chunk, except, for Decrypt, the envelope's header,
 * which the parser keeps until the call ends ({@link #releaseAsConsumed()} marks where the
 * header ends). A read
 * after {@link #abort()} fails at once, so a worker never waits for a call that has ended.
 */
final class ChunkPipe extends InputStream {
    private final ArrayDeque<ByteString> chunks = new ArrayDeque<>();
    private final Runnable requestNext;
    private final InFlightBytes.Reservation reservation;
    private ByteString current = ByteString.EMPTY;
    private int offset;
    private boolean releasing;
    private boolean closed;
    private boolean aborted;

    /** @param requestNext asks gRPC for one more message (called on the worker's thread) */
    ChunkPipe(Runnable requestNext, InFlightBytes.Reservation reservation) {
        this.requestNext = requestNext;
        this.reservation = reservation;
    }

    /** Adds a chunk whose bytes the caller has already charged to the reservation. */
    synchronized void put(ByteString chunk) {
        chunks.add(chunk);
        notifyAll();
    }

    /** The client has sent everything. */
    synchronized void endOfInput() {
        closed = true;
        notifyAll();
    }

    /** The call has ended: readers fail from now on. */
    synchronized void abort() {
        aborted = true;
        chunks.clear();
        notifyAll();
    }

    /** From now on, bytes are given back to the reservation as soon as they are read. */
    synchronized void releaseAsConsumed() {
        releasing = true;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        while (offset == current.size()) {
            if (!advance()) {
                return -1;
            }
        }
        int n = Math.min(len, current.size() - offset);
        current.copyTo(b, offset, off, n);
        offset += n;
        synchronized (this) {
            if (releasing) {
                reservation.release(n);
            }
        }
        return n;
    }

    /** Moves to the next chunk, waiting for it; false at the end of the stream. */
    private boolean advance() throws IOException {
        ByteString next;
        synchronized (this) {
            while (!aborted && chunks.isEmpty() && !closed) {
                try {
                    wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("decryption stopped");
                }
            }
            if (aborted) {
                throw new IOException("call ended");
            }
            next = chunks.poll();
        }
        if (next == null) {
            return false;
        }
        current = next;
        offset = 0;
        requestNext.run();
        return true;
    }

    /** Closing is the call's business ({@link #abort()}), not the parser's. */
    @Override
    public void close() {
    }

    @Override
    public int available() {
        return current.size() - offset;
    }
}
