package org.smimed.client;

import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.Status;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * What a bidirectional call driven from the caller's thread shares ({@link DecryptExchange},
 * {@link SignExchange}): the listener queues what gRPC delivers and signals the caller's thread,
 * which sleeps in {@link #awaitSignal()} until the transport is ready, a message arrives or the
 * call ends.
 *
 * <p>Guarantees: only the window of response messages asked for is ever queued (the subclass
 * asks for one more per message it takes); a failure on this side (I/O, a bug, an interrupt)
 * cancels the call, while a failure the daemon reported ends it with the daemon's status; the
 * call's end is seen only after every message received before it.
 */
abstract class StreamExchange<Q, R> extends ClientCall.Listener<R> {
  /**
   * Request bytes the transport may hold queued before the call stops being ready (set by
   * {@link SmimeClient} on every streamed call). gRPC's default of 32 KiB made each request chunk
   * wait for the transport to drain: a round trip per chunk; this keeps a few chunks queued,
   * still bounded.
   */
  static final int QUEUED_BYTES = 1024 * 1024;

  /** The call's body, run on the caller's thread. */
  interface Body<T> {
    T run() throws IOException, InterruptedException, SmimeClientException;
  }

  final ClientCall<Q, R> call;
  private final Deque<R> received = new ArrayDeque<>();
  private Status closed;
  private boolean signalled;
  /** The daemon's id for the call: in the headers once it answered, else in the trailers. */
  private volatile String requestId;

  StreamExchange(ClientCall<Q, R> call) {
    this.call = call;
  }

  /**
   * Starts the call with {@code window} response messages requested ahead, and runs
   * {@code body}.
   *
   * @param doing what the call does, for the interrupt message ("decrypting")
   */
  final <T> T run(int window, String doing, Body<T> body)
      throws SmimeClientException, IOException {
    call.start(this, new Metadata());
    call.request(window);
    try {
      return body.run();
    } catch (Ended e) {
      throw e.failure;
    } catch (IOException | RuntimeException | Error e) {
      call.cancel("client failed", e);
      throw e;
    } catch (InterruptedException e) {
      call.cancel("client interrupted", e);
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while " + doing);
    }
  }

  /** The failure the daemon reported as {@code status}, with its request id. */
  final SmimeClientException failed(Status status) {
    Metadata named = new Metadata();
    if (requestId != null) {
      named.put(SmimeClientException.REQUEST_ID, requestId);
    }
    return new SmimeClientException(status, named);
  }

  /** Cancels the call for a response the protocol does not allow; the failure to throw. */
  final SmimeClientException protocolError(String what) {
    call.cancel("protocol violation: " + what, null);
    return new SmimeClientException(Status.INTERNAL.withDescription("protocol violation: " + what));
  }

  /** The next response received and not yet taken, or null. */
  final synchronized R poll() {
    return received.poll();
  }

  /** How the call ended, once every response received has been taken; null until then. */
  final synchronized Status closedStatus() {
    return received.isEmpty() ? closed : null;
  }

  /** Waits until the transport is ready, a response arrives or the call ends. */
  final synchronized void awaitSignal() throws InterruptedException {
    while (!signalled) {
      wait();
    }
    signalled = false;
  }

  private synchronized void signal() {
    signalled = true;
    notifyAll();
  }

  @Override
  public final void onMessage(R message) {
    synchronized (this) {
      received.add(message);
    }
    signal();
  }

  @Override
  public final void onReady() {
    signal();
  }

  @Override
  public final void onHeaders(Metadata headers) {
    remember(headers);
  }

  @Override
  public final void onClose(Status status, Metadata trailers) {
    remember(trailers);
    synchronized (this) {
      closed = status;
    }
    signal();
  }

  private void remember(Metadata metadata) {
    String id = metadata == null ? null : metadata.get(SmimeClientException.REQUEST_ID);
    if (id != null) {
      requestId = id;
    }
  }

  /**
   * The call has ended, or must: carries the failure out of the loops, and through code that
   * only knows IOException (a {@link ContentWriter}), without cancelling the call again.
   */
  static final class Ended extends IOException {
    final SmimeClientException failure;

    Ended(SmimeClientException failure) {
      super("call ended", null);
      this.failure = failure;
    }
  }
}
