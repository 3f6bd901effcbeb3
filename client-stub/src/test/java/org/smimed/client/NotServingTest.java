package org.smimed.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A health-checked channel whose daemons all say NOT_SERVING fails calls in the client, with
 * gRPC's words ("Health-check service responded NOT_SERVING for ''"): the exception says what
 * that means for smimed instead. A real gRPC server and channel; only the health service.
 */
class NotServingTest {
  @Test
  void everyDaemonNotServing_saysSoAndWhereToLook() throws Exception {
    HealthStatusManager health = new HealthStatusManager();
    health.setStatus("", ServingStatus.NOT_SERVING);
    Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0),
        InsecureServerCredentials.create()).addService(health.getHealthService()).build().start();
    String address = "127.0.0.1:" + server.getPort();
    ManagedChannel channel = Channels.plaintext(address + "," + address);
    try {
      SmimeClientException e = catchThrowableOfType(SmimeClientException.class,
          () -> new SmimeClient(channel, Duration.ofSeconds(10)).listIdentities());

      assertThat(e.code()).isEqualTo(Status.Code.UNAVAILABLE);
      // Spelled out: what a caller reads (a test review: the constant compared with itself).
      String said = "no daemon of the target is serving: each says NOT_SERVING in its health"
          + " (token unusable, audit log failed, or shutting down; each daemon's log says which)";
      assertThat(e.detail()).isEqualTo(said);
      assertThat(e.getMessage()).contains(said);
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}
