package org.smimed.daemon.testing;

import io.grpc.Channel;
import io.grpc.Context;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A health Watch held open, as a health-checking client keeps one; closing cancels it. */
public final class HealthWatch implements AutoCloseable {
    private final Context.CancellableContext context = Context.current().withCancellation();
    private final BlockingQueue<Object> answers = new LinkedBlockingQueue<>();

    private HealthWatch() {
    }

    /** Starts a Watch of the whole server ("") on {@code channel}. */
    public static HealthWatch open(Channel channel) {
        HealthWatch watch = new HealthWatch();
        watch.context.run(() -> HealthGrpc.newStub(channel).watch(
                HealthCheckRequest.getDefaultInstance(), new StreamObserver<>() {
                    @Override
                    public void onNext(HealthCheckResponse response) {
                        watch.answers.add(response.getStatus());
                    }

                    @Override
                    public void onError(Throwable failure) {
                        watch.answers.add(failure);
                    }

                    @Override
                    public void onCompleted() {
                        watch.answers.add("completed");
                    }
                }));
        return watch;
    }

    /** The next status the daemon sent, waiting up to 30 s; a failed Watch throws. */
    public HealthCheckResponse.ServingStatus next() throws Exception {
        Object answer = answers.poll(30, TimeUnit.SECONDS);
        if (answer instanceof HealthCheckResponse.ServingStatus status) {
            return status;
        }
        if (answer instanceof Exception failure) {
            throw failure;
        }
        throw new AssertionError("no health status within 30 s: " + answer);
    }

    @Override
    public void close() {
        context.cancel(null);
    }
}
