package org.smimed.daemon.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.smimed.daemon.testing.DecryptCall;
import org.smimed.daemon.testing.TestDeployment;

/**
 * A second caller that keeps decrypting a valid message while a test drives one caller into
 * a limit: a limit must refuse only the caller that exceeded it.
 */
final class AnotherCaller {
    private final ManagedChannel channel;
    private final byte[] message;
    private final byte[] plaintext;

    /**
     * Decrypts {@code message} (to the RSA identity) over {@code channel}, to {@code plaintext}.
     */
    AnotherCaller(ManagedChannel channel, byte[] message, byte[] plaintext) {
        this.channel = channel;
        this.message = message;
        this.plaintext = plaintext;
    }

    /** A call expected to be refused. */
    interface Refusal {
        StatusRuntimeException run() throws Exception;
    }

    /** Runs {@code refusal} while this caller decrypts; every one of its decrypts must succeed. */
    StatusRuntimeException whileDecrypting(Refusal refusal) throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger done = new AtomicInteger();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread load = new Thread(() -> {
            while (!stop.get() || done.get() == 0) {
                try {
                    assertThat(DecryptCall.decrypt(channel, TestDeployment.RSA, message, 4096)
                            .plaintext()).isEqualTo(plaintext);
                    done.incrementAndGet();
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                    return;
                }
            }
        }, "other-caller");
        load.start();
        try {
            return refusal.run();
        } finally {
            stop.set(true);
            load.join(30_000);
            assertThat(failure.get()).as("the other caller's decrypts").isNull();
            assertThat(done.get()).isPositive();
        }
    }
}
