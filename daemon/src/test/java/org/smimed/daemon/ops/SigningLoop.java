package org.smimed.daemon.ops;

import com.google.protobuf.ByteString;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.bouncycastle.cms.CMSSignedData;
import org.bouncycastle.cms.SignerInformation;
import org.bouncycastle.cms.jcajce.JcaSimpleSignerInfoVerifierBuilder;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.smimed.api.v1.SignRequest;
import org.smimed.api.v1.SignResponse;
import org.smimed.api.v1.SigningServiceGrpc;

/**
 * A client signing in a loop on a few threads while a test injects a fault. Every signature
 * that comes back is verified with Bouncy Castle against the certificate the test expects (not
 * the one in the answer), so a wrong key or a corrupt signature counts as wrong.
 */
final class SigningLoop {
    /** What the loop saw: good signatures, UNAVAILABLE answers, and anything else. */
    record Outcome(int verified, int unavailable, List<String> wrong) {}

    private final AtomicInteger verified = new AtomicInteger();
    private final AtomicInteger unavailable = new AtomicInteger();
    private final ConcurrentLinkedQueue<String> wrong = new ConcurrentLinkedQueue<>();
    private final ExecutorService threads;
    private final List<Future<?>> running;

    private SigningLoop(Channel channel, String identity, X509Certificate expected,
                        int threadCount, int callsPerThread, long pauseMillis) {
        threads = Executors.newFixedThreadPool(threadCount);
        running = java.util.stream.IntStream.range(0, threadCount)
                .<Future<?>>mapToObj(t -> threads.submit(() -> {
                    for (int i = 0; i < callsPerThread; i++) {
                        call(channel, identity, expected, "call " + t + "/" + i);
                        pause(pauseMillis);
                    }
                })).toList();
    }

    /** Starts {@code threadCount} threads making {@code callsPerThread} Sign calls each. */
    static SigningLoop start(Channel channel, String identity, X509Certificate expected,
                             int threadCount, int callsPerThread) {
        return new SigningLoop(channel, identity, expected, threadCount, callsPerThread, 0);
    }

    /**
     * As {@link #start}, pausing {@code pause} after each call, so that a loop of a few hundred
     * calls lasts longer than the fault it is meant to see through.
     */
    static SigningLoop paced(Channel channel, String identity, X509Certificate expected,
                             int threadCount, int callsPerThread, java.time.Duration pause) {
        return new SigningLoop(channel, identity, expected, threadCount, callsPerThread,
                pause.toMillis());
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Calls answered so far, good or not. */
    int answered() {
        return verified.get() + unavailable.get() + wrong.size();
    }

    /** Waits for every call to end. */
    Outcome finish() throws Exception {
        for (Future<?> f : running) {
            f.get(5, TimeUnit.MINUTES);
        }
        threads.shutdown();
        return new Outcome(verified.get(), unavailable.get(), List.copyOf(wrong));
    }

    private void call(Channel channel, String identity, X509Certificate expected, String name) {
        byte[] content = name.getBytes(StandardCharsets.UTF_8);
        try {
            SignResponse response = SigningServiceGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(30, TimeUnit.SECONDS)
                    .sign(SignRequest.newBuilder().setIdentity(identity)
                            .setContent(ByteString.copyFrom(content)).setEncapsulate(true)
                            .build());
            if (verifies(response, content, expected)) {
                verified.incrementAndGet();
            } else {
                wrong.add(name + ": signature does not verify with the identity's certificate");
            }
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() == Status.Code.UNAVAILABLE) {
                unavailable.incrementAndGet();
            } else {
                wrong.add(name + ": " + e.getStatus());
            }
        } catch (Exception e) {
            wrong.add(name + ": " + e);
        }
    }

    private static boolean verifies(SignResponse response, byte[] content,
                                    X509Certificate expected) throws Exception {
        CMSSignedData signed = new CMSSignedData(response.getSignedData().toByteArray());
        if (!java.util.Arrays.equals((byte[]) signed.getSignedContent().getContent(), content)) {
            return false;
        }
        SignerInformation signer = signed.getSignerInfos().getSigners().iterator().next();
        return signer.verify(new JcaSimpleSignerInfoVerifierBuilder()
                .setProvider(new BouncyCastleProvider()).build(expected));
    }
}
