package org.smimed.client;

import com.google.protobuf.ByteString;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.Status;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.ArrayDeque;
import java.util.Deque;
import org.smimed.api.v1.SignStreamHeader;
import org.smimed.api.v1.SignStreamRequest;
import org.smimed.api.v1.SignStreamResponse;
import org.smimed.api.v1.SignStreamResult;

/**
 * One SignStream call driven from the caller's thread, as {@link DecryptExchange} drives a
 * Decrypt call: the content is pushed through {@link #run}'s stream in 64 KiB request chunks,
 * each sent only when the transport is ready; while it waits, the caller's thread writes every
 * signed_data_chunk received to the output (so the daemon's answer never backs up behind the
 * request). Only {@link #WINDOW} response messages are requested ahead: memory stays bounded
 * whatever the size of the content.
 */
final class SignExchange extends ClientCall.Listener<SignStreamResponse> {
  static final int CHUNK = 64 * 1024;
  private static final int WINDOW = 2;

  private final ClientCall<SignStreamRequest, SignStreamResponse> call;
  private final SignStreamHeader header;
  private final OutputStream signedData;
  private final Deque<SignStreamResponse> received = new ArrayDeque<>();
  private SignStreamResult result;
  private Status closed;
  private boolean signalled;

  /** @param signedData where an encapsulated SignedData goes; null for a detached one */
  SignExchange(ClientCall<SignStreamRequest, SignStreamResponse> call, SignStreamHeader header,
      OutputStream signedData) {
    this.call = call;
    this.header = header;
    this.signedData = signedData;
  }

  SignResult run(ContentWriter content) throws SmimeClientException, IOException {
    call.start(this, new Metadata());
    call.request(WINDOW);
    try {
      send(SignStreamRequest.newBuilder().setHeader(header).build());
      Chunks chunks = new Chunks();
      content.writeTo(chunks);
      chunks.sendBuffered();
      call.halfClose();
      return finish();
    } catch (EndedWhileWriting e) {
      throw e.ended.failure;
    } catch (IOException | RuntimeException | Error e) {
      call.cancel("client failed", e);
      throw e;
    } catch (Ended e) {
      throw e.failure;
    } catch (InterruptedException e) {
      call.cancel("client interrupted", e);
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while signing");
    }
  }

  /** Sends one request as soon as the transport is ready, handling answers meanwhile. */
  private void send(SignStreamRequest request)
      throws IOException, InterruptedException, Ended {
    while (true) {
      drain();
      Status status = closedStatus();
      if (status != null) {
        // The daemon ended the call before the content was complete: never OK.
        throw new Ended(status.isOk()
            ? protocolError("call ended before the content was sent") : failure(status));
      }
      if (call.isReady()) {
        call.sendMessage(request);
        return;
      }
      awaitSignal();
    }
  }

  private SignResult finish() throws IOException, InterruptedException, Ended {
    while (true) {
      drain();
      Status status = closedStatus();
      if (status != null) {
        if (!status.isOk()) {
          throw new Ended(failure(status));
        }
        if (result == null) {
          throw new Ended(new SmimeClientException(
              Status.INTERNAL.withDescription("no SignStreamResult received")));
        }
        return new SignResult(result.getSignedData().toByteArray(),
            result.getCertificate().toByteArray(), result.getKeyVersion(), result.getMicalg());
      }
      awaitSignal();
    }
  }

  /** Handles every answer received so far: signed data goes out, the result is kept. */
  private void drain() throws IOException, Ended {
    SignStreamResponse r;
    while ((r = poll()) != null) {
      if (result != null) {
        throw new Ended(protocolError("a response after SignStreamResult"));
      }
      if (r.hasResult()) {
        result = r.getResult();
      } else if (signedData == null) {
        throw new Ended(protocolError("signed data chunk in a detached call"));
      } else {
        r.getSignedDataChunk().writeTo(signedData);
      }
      call.request(1);
    }
  }

  private SmimeClientException failure(Status status) {
    return new SmimeClientException(status);
  }

  private SmimeClientException protocolError(String what) {
    call.cancel("protocol violation: " + what, null);
    return new SmimeClientException(Status.INTERNAL.withDescription("protocol violation: " + what));
  }

  /** The call has ended, or must: carries the failure out of the loops. */
  private static final class Ended extends Exception {
    private final SmimeClientException failure;

    Ended(SmimeClientException failure) {
      super(null, null, false, false);
      this.failure = failure;
    }
  }

  /** The content, cut into request chunks of {@link #CHUNK} bytes. */
  private final class Chunks extends OutputStream {
    private final byte[] buffer = new byte[CHUNK];
    private int filled;

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      while (len > 0) {
        int n = Math.min(len, CHUNK - filled);
        System.arraycopy(b, off, buffer, filled, n);
        filled += n;
        off += n;
        len -= n;
        if (filled == CHUNK) {
          sendBuffered();
        }
      }
    }

    void sendBuffered() throws IOException {
      if (filled == 0) {
        return;
      }
      try {
        send(SignStreamRequest.newBuilder().setChunk(ByteString.copyFrom(buffer, 0, filled))
            .build());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while signing");
      } catch (Ended e) {
        throw new EndedWhileWriting(e);
      }
      filled = 0;
    }
  }

  /** Carries {@link Ended} through the content writer, which only knows IOException. */
  private static final class EndedWhileWriting extends IOException {
    private final Ended ended;

    EndedWhileWriting(Ended ended) {
      super("call ended", null);
      this.ended = ended;
    }
  }

  private synchronized SignStreamResponse poll() {
    return received.poll();
  }

  private synchronized Status closedStatus() {
    return received.isEmpty() ? closed : null;
  }

  private synchronized void awaitSignal() throws InterruptedException {
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
  public void onMessage(SignStreamResponse message) {
    synchronized (this) {
      received.add(message);
    }
    signal();
  }

  @Override
  public void onReady() {
    signal();
  }

  @Override
  public void onClose(Status status, Metadata trailers) {
    synchronized (this) {
      closed = status;
    }
    signal();
  }
}
