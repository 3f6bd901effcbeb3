package org.smimed.daemon.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.smimed.api.v1.SignRequest;
import org.smimed.api.v1.SigningServiceGrpc;
import org.smimed.daemon.Daemon;
import org.smimed.daemon.testing.AuditRecords;
import org.smimed.daemon.testing.TestDeployment;

/**
 * Graceful shutdown under load: every call the daemon accepted completes with OK; calls that
 * arrive after shutdown began are refused (UNAVAILABLE, safe to retry elsewhere), never cut off.
 */
class GracefulShutdownIT {
    private static final int CALLERS = 8;

    @TempDir
    static Path dir;

    @Test
    void shutdownDuringLoad_completesEveryAcceptedCall() throws Exception {
        TestDeployment deployment = TestDeployment.start(dir);
        Daemon daemon = deployment.daemon();
        ManagedChannel channel = deployment.channel();
        var signing = SigningServiceGrpc.newBlockingStub(channel);
        AtomicInteger ok = new AtomicInteger();
        Map<Status.Code, AtomicInteger> failures = new ConcurrentHashMap<>();
        ExecutorService callers = Executors.newFixedThreadPool(CALLERS);
        List<Future<?>> loops = new ArrayList<>();
        for (int i = 0; i < CALLERS; i++) {
            loops.add(callers.submit(() -> {
                for (int n = 0; n < 100_000; n++) {
                    try {
                        signing.withDeadlineAfter(30, TimeUnit.SECONDS).sign(SignRequest
                                .newBuilder().setIdentity(TestDeployment.RSA)
                                .setContent(ByteString.copyFromUtf8("drain " + n)).build());
                        ok.incrementAndGet();
                    } catch (StatusRuntimeException e) {
                        failures.computeIfAbsent(e.getStatus().getCode(),
                                c -> new AtomicInteger()).incrementAndGet();
                        return;
                    }
                }
            }));
        }
        // With a deadline: callers that all failed early would otherwise hang the build (a
        // test review).
        long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (ok.get() < 300) {
            assertThat(System.nanoTime()).as("300 calls answered before the close; failures: "
                    + failures).isLessThan(giveUp);
            Thread.sleep(10);
        }
        daemon.close();
        for (Future<?> loop : loops) {
            loop.get(60, TimeUnit.SECONDS);
        }
        callers.shutdown();
        deployment.close();

        String metrics = daemon.metrics().scrape();
        assertThat(failures.keySet()).as("refused calls").containsOnly(Status.Code.UNAVAILABLE);
        assertThat(serverCount(metrics, "OK")).as("calls the daemon completed")
                .isEqualTo(ok.get());
        assertThat(metrics).doesNotContain("code=\"CANCELLED\"")
                .doesNotContain("code=\"INTERNAL\"");
        // The run's records lie between its start and stop records: the stop comes after the
        // last drained call's.
        List<Map<String, String>> records = AuditRecords.read(deployment.auditFile());
        assertThat(records.get(0)).containsEntry("event", "DAEMON_START")
                .containsEntry("method", "smimed/Start").containsEntry("detail", "identities="
                        + daemon.identities().size());
        assertThat(records.get(records.size() - 1)).containsEntry("event", "DAEMON_STOP")
                .containsEntry("detail", "reason=shutdown");
        assertThat(records.subList(1, records.size() - 1)).noneMatch(record -> record
                .get("event").startsWith("DAEMON_"));
        assertThat(records.stream().filter(r -> "OK".equals(r.get("status"))
                && "SIGN".equals(r.get("event")))).hasSize(ok.get());
    }

    private static long serverCount(String metrics, String code) {
        Matcher m = Pattern.compile("smimed_requests_seconds_count\\{code=\"" + code
                + "\",method=\"Sign\",[^}]*} ([0-9.]+)").matcher(metrics);
        return m.find() ? (long) Double.parseDouble(m.group(1)) : 0;
    }
}
