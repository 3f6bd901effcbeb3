package org.smimed.client;

import com.google.protobuf.ByteString;
import io.grpc.ClientCall;
import io.grpc.Status;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.smimed.api.v1.DecryptRequest;
import org.smimed.api.v1.DecryptResponse;

/**
 * One Decrypt call driven from the caller's thread.
 *
 * <p>Why not the blocking stub: the request and the response streams must make progress at the
 * same time (the daemon may emit plaintext before it has read all the ciphertext), and neither
 * side may be buffered whole. So the caller's thread alternates: it sends a 256 KiB chunk while
 * the transport is ready, writes every received chunk to the output, and otherwise sleeps until
 * the listener signals readiness, a message or the end of the call ({@link StreamExchange}).
 * Only {@link #WINDOW} response messages are requested ahead, so memory stays bounded.
 */
final class DecryptExchange extends StreamExchange<DecryptRequest, DecryptResponse> {
  static final int CHUNK = 256 * 1024;
  private static final int WINDOW = 4;

  private final String identity;

  DecryptExchange(ClientCall<DecryptRequest, DecryptResponse> call, String identity) {
    super(call);
    this.identity = identity;
  }

  DecryptResult run(InputStream cms, OutputStream plaintext)
      throws SmimeClientException, IOException {
    return run(WINDOW, "decrypting", () -> loop(cms, plaintext));
  }

  private DecryptResult loop(InputStream cms, OutputStream plaintext)
      throws IOException, InterruptedException, SmimeClientException {
    Sender sender = new Sender(cms);
    DecryptResult result = null;
    long written = 0;
    while (true) {
      sender.sendWhileReady();
      DecryptResponse r;
      while ((r = poll()) != null) {
        if (r.hasResult()) {
          if (result != null) {
            throw protocolError("second DecryptResult");
          }
          result = DecryptResult.from(r.getResult(), 0);
        } else if (result == null) {
          throw protocolError("plaintext before DecryptResult");
        } else {
          r.getChunk().writeTo(plaintext);
          written += r.getChunk().size();
        }
        call.request(1);
      }
      Status status = closedStatus();
      if (status != null) {
        return finish(status, result, written);
      }
      awaitSignal();
    }
  }

  private DecryptResult finish(Status status, DecryptResult result, long written)
      throws SmimeClientException {
    if (!status.isOk()) {
      throw failed(status);
    }
    if (result == null) {
      throw new SmimeClientException(Status.INTERNAL.withDescription("no DecryptResult received"));
    }
    // Only an OK status means the daemon sent all plaintext (and, for AuthEnvelopedData,
    // verified the tag); the count is what this client actually wrote.
    return result.withPlaintextLength(written);
  }

  /** Reads the input in chunks only when gRPC can take them, so the input is never buffered. */
  private final class Sender {
    private final InputStream in;
    private final byte[] buffer = new byte[CHUNK];
    private boolean first = true;
    private boolean done;

    Sender(InputStream in) {
      this.in = in;
    }

    void sendWhileReady() throws IOException {
      while (!done && call.isReady()) {
        int n = in.readNBytes(buffer, 0, CHUNK);
        var b = DecryptRequest.newBuilder().setChunk(ByteString.copyFrom(buffer, 0, n));
        if (first && identity != null) {
          b.setIdentity(identity);
        }
        if (n > 0 || first) {
          call.sendMessage(b.build());
        }
        first = false;
        if (n < CHUNK) { // readNBytes reads fully, so a short read is the end of the input
          done = true;
          call.halfClose();
        }
      }
    }
  }
}
