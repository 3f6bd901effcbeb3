package org.smimed.client.examples;

import io.grpc.ManagedChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.smimed.client.Channels;
import org.smimed.client.DecryptedMessage;
import org.smimed.client.SignResult;
import org.smimed.client.SigningRequest;
import org.smimed.client.SmimeClient;
import org.smimed.client.SmimeClientException;

/**
* The README's Java example, compiled with the tests so that it stays true to the API
* ({@code ReadmeExampleTest} checks the README shows exactly these lines).
*/
final class ReadmeExample {
  private ReadmeExample() {
  }

  static void run(byte[] mimeEntity, byte[] envelopedData) throws Exception {
    // README-BEGIN
    // One channel per process: thread-safe, round-robin over a comma-separated target
    // (health-checked), retries UNAVAILABLE on another daemon. The client never closes it.
    ManagedChannel channel = Channels.tls("localhost:8443",
        Path.of(".smimed-demo/pki/ca.crt"),
        Path.of(".smimed-demo/pki/client.crt"), Path.of(".smimed-demo/pki/client.key"));
    SmimeClient smimed = new SmimeClient(channel, Duration.ofSeconds(10));
    try {
      // Detached SignedData over the entity (null: the key's default hash).
      SignResult signed = smimed.sign(SigningRequest.ofContent(
          "rsa-demo@smimed.example", mimeEntity, false, null));
      System.out.println(signed.keyVersion() + " micalg=" + signed.micalg());
      // Any identity the policy lets this caller decrypt for (or name one).
      DecryptedMessage opened = smimed.decryptMessage(null, envelopedData);
      System.out.println(new String(opened.plaintext(), StandardCharsets.UTF_8));
    } catch (SmimeClientException e) {
      // code(): the gRPC status; requestId(): what the daemon's log and audit name.
      System.err.println(e.code() + " " + e.detail() + " " + e.requestId().orElse(""));
    } finally {
      channel.shutdown().awaitTermination(5, TimeUnit.SECONDS);
    }
    // README-END
  }
}
