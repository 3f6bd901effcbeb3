package org.smimed.daemon.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.smimed.api.v1.SignRequest;
import org.smimed.api.v1.SigningServiceGrpc;
import org.smimed.client.Channels;
import org.smimed.daemon.Daemon;
import org.smimed.daemon.config.ConfigLoader;
import org.smimed.daemon.testing.DaemonProcess;
import org.smimed.daemon.testing.OfficerCa;
import org.smimed.daemon.testing.Smimectl;
import org.smimed.daemon.testing.TestDeployment;

/**
 * Two daemons on one token, as replicas in front of one HSM partition: an officer works through
 * daemon A (in this JVM, with the admin listener); daemon B (its own process, probing every
 * second) must follow. Found by an outside trial: B kept signing with a version disabled
 * through A, and a destroy through A made B NOT_SERVING and exit 6 a minute later.
 */
class SharedTokenIT {
    private static final String EC = TestDeployment.EC;
    private static final String RSA = TestDeployment.RSA;
    /** Generous: B's probe runs every second; the wait ends as soon as B follows. */
    private static final Duration FOLLOW_WITHIN = Duration.ofSeconds(30);

    @TempDir
    static Path dir;
    private static Daemon daemonA;
    private static DaemonProcess daemonB;
    private static ManagedChannel channelB;

    @BeforeAll
    static void start() throws Exception {
        Path configA = TestDeployment.provisionedConfig(dir, "shared");
        String base = Files.readString(configA);
        Files.writeString(configA, base
                + "admin:\n  listen:\n    address: 127.0.0.1\n    port: 0\n");
        // Its own audit log: one chain per daemon.
        Path configB = Files.writeString(dir.resolve("smimed-b.yaml"),
                base.replace("file: audit.log", "file: audit-b.log")
                        + "operations:\n  probeIntervalSeconds: 1\n");
        daemonA = Daemon.start(new ConfigLoader().load(configA), System::getenv,
                Clock.systemUTC());
        daemonB = DaemonProcess.start(configB, Path.of(System.getenv("SOFTHSM2_CONF")));
        channelB = Channels.tls("localhost:" + daemonB.port(), dir.resolve("pki/ca.crt"),
                dir.resolve("pki/client.crt"), dir.resolve("pki/client.key"));
    }

    @AfterAll
    static void stop() throws Exception {
        channelB.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        daemonB.close();
        daemonA.close();
    }

    @Test
    void disableAndDestroyThroughOneDaemon_reachTheOther_whichKeepsServingTheRest()
            throws Exception {
        assertThat(signThroughB(EC)).isEqualTo(Status.Code.OK);
        String version = EC + "/v1";

        ctlOk("disable", version, "--confirm", fingerprint(version));
        assertThat(awaitB(EC, Status.Code.FAILED_PRECONDITION))
                .as("B refuses to sign with the version disabled through A; B's log:%n%s",
                        daemonB.log()).isEqualTo(Status.Code.FAILED_PRECONDITION);

        ctlOk("destroy", version, "--confirm", fingerprint(version));
        assertThat(awaitB(EC, Status.Code.NOT_FOUND)).as("B's log:%n%s", daemonB.log())
                .isEqualTo(Status.Code.NOT_FOUND);
        // A few more probes: B stays SERVING and signs for the identity that is left.
        Thread.sleep(3_000);
        assertThat(health()).as("B's log:%n%s", daemonB.log()).isEqualTo(ServingStatus.SERVING);
        assertThat(signThroughB(RSA)).isEqualTo(Status.Code.OK);
        assertThat(daemonB.isAlive()).isTrue();
        assertThat(daemonB.log()).contains("key versions changed outside this daemon")
                .contains(version + " ACTIVE -> DISABLED", version + " DISABLED -> DESTROYED")
                .doesNotContain("not healed");
    }

    @Test
    void identityActivatedThroughOneDaemon_isServedByTheOther() throws Exception {
        String id = "later@smimed.example";
        assertThat(signThroughB(id)).isEqualTo(Status.Code.NOT_FOUND);

        ctlOk("generate", id, "--alg", "p256", "--usage", "both");
        Path csr = dir.resolve("later.csr");
        ctlOk("csr", id + "/v1", "--out", csr.toString());
        OfficerCa ca = OfficerCa.create(Clock.systemUTC());
        Path chain = ca.writeChain(dir.resolve("later-chain.pem"),
                ca.issue(csr, id, true, true, Duration.ofDays(30)));
        ctlOk("import-cert", id + "/v1", chain.toString());
        ctlOk("activate", id + "/v1");

        assertThat(awaitB(id, Status.Code.OK)).as("B's log:%n%s", daemonB.log())
                .isEqualTo(Status.Code.OK);
    }

    /** Signs through B until it answers {@code expected} or {@link #FOLLOW_WITHIN} passes. */
    private static Status.Code awaitB(String identity, Status.Code expected) throws Exception {
        Instant end = Instant.now().plus(FOLLOW_WITHIN);
        Status.Code last = signThroughB(identity);
        while (last != expected && Instant.now().isBefore(end)) {
            Thread.sleep(200);
            last = signThroughB(identity);
        }
        return last;
    }

    private static Status.Code signThroughB(String identity) {
        try {
            SigningServiceGrpc.newBlockingStub(channelB).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .sign(SignRequest.newBuilder().setIdentity(identity)
                            .setContent(ByteString.copyFromUtf8("shared token\r\n")).build());
            return Status.Code.OK;
        } catch (StatusRuntimeException e) {
            return e.getStatus().getCode();
        }
    }

    private static ServingStatus health() {
        return HealthGrpc.newBlockingStub(channelB).withDeadlineAfter(5, TimeUnit.SECONDS)
                .check(HealthCheckRequest.newBuilder().setService("smimed.v1.SigningService")
                        .build()).getStatus();
    }

    private static String fingerprint(String version) {
        return officer().field(version, "fingerprint");
    }

    private static String ctlOk(String... args) {
        return officer().ok(args);
    }

    /** smimectl as the demo officer, at A's admin listener. */
    private static Smimectl officer() {
        return Smimectl.demoOfficer(dir, "localhost:" + daemonA.adminPort());
    }
}
