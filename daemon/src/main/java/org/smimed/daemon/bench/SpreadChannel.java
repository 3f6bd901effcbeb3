package org.smimed.daemon.bench;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The bench's callers over several connections (as {@code ghz --connections} does), to one
 * daemon or to several replicas: one gRPC channel holds one HTTP/2 connection, which the daemon
 * serves on one transport thread, while a real deployment's many clients arrive on many. Each
 * call goes to the next connection in turn.
 */
final class SpreadChannel extends Channel implements AutoCloseable {
    private final List<ManagedChannel> connections;
    private final AtomicInteger next = new AtomicInteger();

    SpreadChannel(List<ManagedChannel> connections) {
        if (connections.isEmpty()) {
            throw new IllegalArgumentException("at least one connection");
        }
        this.connections = List.copyOf(connections);
    }

    @Override
    public <Q, A> ClientCall<Q, A> newCall(MethodDescriptor<Q, A> method, CallOptions options) {
        return connections.get(Math.floorMod(next.getAndIncrement(), connections.size()))
                .newCall(method, options);
    }

    @Override
    public String authority() {
        return connections.get(0).authority();
    }

    @Override
    public void close() throws InterruptedException {
        connections.forEach(ManagedChannel::shutdownNow);
        for (ManagedChannel connection : connections) {
            connection.awaitTermination(5, TimeUnit.SECONDS);
        }
    }
}
