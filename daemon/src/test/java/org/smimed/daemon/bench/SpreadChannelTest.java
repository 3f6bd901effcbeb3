package org.smimed.daemon.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Calls through a SpreadChannel reach each of its connections in turn. */
class SpreadChannelTest {
    private final List<Server> servers = new ArrayList<>();

    @AfterEach
    void stop() {
        servers.forEach(Server::shutdownNow);
    }

    @Test
    void calls_goToEachConnectionInTurn() throws Exception {
        List<AtomicInteger> served = new ArrayList<>();
        List<ManagedChannel> connections = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            AtomicInteger count = new AtomicInteger();
            served.add(count);
            String name = "spread-" + i + "-" + System.nanoTime();
            servers.add(InProcessServerBuilder.forName(name).directExecutor()
                    .addService(ServerInterceptors.intercept(
                            new HealthStatusManager().getHealthService(),
                            new ServerInterceptor() {
                                @Override
                                public <Q, A> ServerCall.Listener<Q> interceptCall(
                                        ServerCall<Q, A> call, Metadata headers,
                                        ServerCallHandler<Q, A> next) {
                                    count.incrementAndGet();
                                    return next.startCall(call, headers);
                                }
                            }))
                    .build().start());
            connections.add(InProcessChannelBuilder.forName(name).directExecutor().build());
        }

        try (SpreadChannel spread = new SpreadChannel(connections)) {
            for (int i = 0; i < 7; i++) {
                HealthGrpc.newBlockingStub(spread).check(HealthCheckRequest.getDefaultInstance());
            }
        }

        assertThat(served).extracting(AtomicInteger::get).containsExactly(3, 2, 2);
        assertThat(connections).allMatch(ManagedChannel::isShutdown);
    }
}
