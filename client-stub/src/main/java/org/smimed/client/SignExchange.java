package org.smimed.client;

import com.google.protobuf.ByteString;
import io.grpc.ClientCall;
import io.grpc.Status;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import org.smimed.api.v1.SignStreamHeader;
import org.smimed.api.v1.SignStreamRequest;
import org.smimed.api.v1.SignStreamResponse;
import org.smimed.api.v1.SignStreamResult;

/**
 * One SignStream call driven from the caller's thread, as {@link DecryptExchange} drives a
 * Decrypt call: the content is pushed through {@link #run(ContentWriter)}'s stream in 64 KiB
 * request chunks, each sent only when the transport is ready; while it waits, the caller's
 * thread writes every signed_data_chunk received to the output (so the daemon's answer never
 * backs up behind the request). Only {@link #WINDOW} response messages are requested ahead, and
 * at most {@link StreamExchange#QUEUED_BYTES} of requests wait in the transport: memory stays
 * bounded whatever the size of the content.
 */
final class SignExchange extends StreamExchange<SignStreamRequest, SignStreamResponse> {
  static final int CHUNK = 64 * 1024;
  private static final int WINDOW = 2;

  private final SignStreamHeader header;
  private final OutputStream signedData;
  private SignStreamResult result;

  /** @param signedData where an encapsulated SignedData goes; null for a detached one */
  SignExchange(ClientCall<SignStreamRequest, SignStreamResponse> call, SignStreamHeader header,
      OutputStream signedData) {
    super(call);
    this.header = header;
    this.signedData = signedData;
  }

  SignResult run(ContentWriter content) throws SmimeClientException, IOException {
    return run(WINDOW, "signing", () -> {
      send(SignStreamRequest.newBuilder().setHeader(header).build());
      Chunks chunks = new Chunks();
      content.writeTo(chunks);
      chunks.sendBuffered();
      call.halfClose();
      return finish();
    });
  }

  /** Sends one request as soon as the transport is ready, handling answers meanwhile. */
  private void send(SignStreamRequest request) throws IOException, InterruptedException {
    while (true) {
      drain();
      Status status = closedStatus();
      if (status != null) {
        // The daemon ended the call before the content was complete: never OK.
        throw new Ended(status.isOk()
            ? protocolError("call ended before the content was sent")
            : failed(status));
      }
      if (call.isReady()) {
        call.sendMessage(request);
        return;
      }
      awaitSignal();
    }
  }

  private SignResult finish() throws IOException, InterruptedException {
    while (true) {
      drain();
      Status status = closedStatus();
      if (status != null) {
        if (!status.isOk()) {
          throw new Ended(failed(status));
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
  private void drain() throws IOException {
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
      }
      filled = 0;
    }
  }
}
