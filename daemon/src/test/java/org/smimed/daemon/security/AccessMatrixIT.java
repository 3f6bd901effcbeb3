package org.smimed.daemon.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.smimed.daemon.security.AuditTrail.recordOf;
import static org.smimed.daemon.security.AuditTrail.refused;
import static org.smimed.daemon.testing.TestDeployment.EC;
import static org.smimed.daemon.testing.TestDeployment.RSA;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.smimed.api.v1.DirectoryServiceGrpc;
import org.smimed.api.v1.ErrorReason;
import org.smimed.api.v1.ListIdentitiesRequest;
import org.smimed.api.v1.SignRequest;
import org.smimed.api.v1.SigningServiceGrpc;
import org.smimed.client.Channels;
import org.smimed.client.SmimeClientException;
import org.smimed.client.admin.AuditVerifier;
import org.smimed.daemon.provision.DemoSetup;
import org.smimed.daemon.testing.AuditRecords;
import org.smimed.daemon.testing.DecryptCall;
import org.smimed.daemon.testing.HealthWatch;
import org.smimed.daemon.testing.OpenSsl;
import org.smimed.daemon.testing.RawCalls;
import org.smimed.daemon.testing.TestClients;
import org.smimed.daemon.testing.TestDeployment;

/**
 * Who may do what, over real mutual TLS against the real daemon: each kind of refusal gets
 * exactly the designed status and leaves exactly one audit record naming it.
 *
 * <p>What the transport yields: the server requests a client certificate but lets every
 * handshake complete (DeferredClientTrust), so no certificate, a foreign CA and an expired
 * certificate all reach the daemon and are answered UNAUTHENTICATED by its interceptor.
 */
class AccessMatrixIT {
    private static final byte[] PLAINTEXT =
            "quarterly numbers\r\n".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    static Path dir;
    private static TestDeployment deployment;
    private static TestClients clients;
    private static TestClients.Client rsaOnly;
    private static TestClients.Client budgeted;
    private static TestClients.Client throttled;
    private static TestClients.Client auditor;
    private static byte[] toRsa;

    @BeforeAll
    static void start() throws Exception {
        deployment = TestDeployment.start(dir);
        clients = deployment.clients();
        rsaOnly = clients.issue("rsa-only service", null, Duration.ofDays(1));
        budgeted = clients.issue("budgeted service", "budget@clients.example", Duration.ofDays(1));
        throttled = clients.issue("throttled service", null, Duration.ofDays(1));
        auditor = clients.issue("auditor", null, Duration.ofDays(1));
        Files.writeString(deployment.policyFile(), """
                callers:
                  - name: rsa-only
                    subject: "CN=rsa-only service,O=smimed demo"
                    sign: [%1$s]
                    decrypt: [%1$s]
                  - name: budgeted
                    email: budget@clients.example
                    decrypt: ["*@smimed.example"]
                    decryptsPerMinute: 2
                  - name: throttled
                    subject: "CN=throttled service,O=smimed demo"
                    sign: [%1$s]
                    decrypt: [%1$s]
                    maxConcurrent: 1
                  - name: officer
                    subject: "%2$s"
                    officer: true
                  - name: reversed
                    subject: "O=smimed demo,CN=reversed service"
                    sign: [%1$s]
                  - name: external auditor
                    subject: "%3$s"
                    auditor: true
                """.formatted(RSA, DemoSetup.OFFICER_SUBJECT, auditor.subject()));
        assertThat(deployment.daemon().reloadPolicy()).isTrue();
        toRsa = openSslEncrypt(deployment.certificate(RSA));
    }

    @AfterAll
    static void stop() throws Exception {
        deployment.close();
        AuditVerifier.Result audit = new AuditVerifier().verify(deployment.auditFile(),
                Optional.empty());
        assertThat(audit.problem()).isEmpty();
    }

    @Test
    void noClientCertificate_isUnauthenticated() throws Exception {
        ManagedChannel channel = Channels.tls(target(), deployment.caCertificate());
        try {
            var e = refused(() -> sign(channel, RSA), Status.Code.UNAUTHENTICATED,
                    "a client certificate is required");
            assertRecord(e, "none", "UNAUTHENTICATED");
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void certificateFromAnotherCa_isUnauthenticated() throws Exception {
        TestClients.Client intruder = TestClients.foreign(dir.resolve("foreign"), "intruder");
        ManagedChannel channel = intruder.channel(target(), deployment.caCertificate());
        try {
            var e = refused(() -> sign(channel, RSA), Status.Code.UNAUTHENTICATED,
                    "the client certificate is not trusted");
            assertRecord(e, "unverified: CN=intruder,O=smimed demo", "UNAUTHENTICATED");
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void expiredCertificate_isUnauthenticated() throws Exception {
        Clock lastWeek = Clock.fixed(Instant.now().minus(Duration.ofDays(7)), ZoneOffset.UTC);
        TestClients.Client expired = clients.at(lastWeek).issue("rsa-only service", null,
                Duration.ofDays(1));
        ManagedChannel channel = clients.channel(expired);
        try {
            var e = refused(() -> sign(channel, RSA), Status.Code.UNAUTHENTICATED,
                    "the client certificate has expired");
            assertRecord(e, "unverified: CN=rsa-only service,O=smimed demo", "UNAUTHENTICATED");
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void validCaller_onIdentityNotGranted_isPermissionDenied() throws Exception {
        ManagedChannel channel = clients.channel(rsaOnly);
        try {
            assertThat(sign(channel, RSA).getKeyVersion()).isEqualTo(RSA + "/v1");
            var e = refused(() -> sign(channel, EC), Status.Code.PERMISSION_DENIED,
                    "not permitted to sign as " + EC);
            Map<String, String> record = assertRecord(e, "CN=rsa-only service,O=smimed demo",
                    "PERMISSION_DENIED");
            assertThat(record.get("identity")).isEqualTo(EC);
            refused(() -> DecryptCall.decrypt(channel, EC, toRsa, 4096),
                    Status.Code.PERMISSION_DENIED, "not permitted to decrypt for " + EC);
            refused(() -> DecryptCall.whole(channel, EC, toRsa),
                    Status.Code.PERMISSION_DENIED, "not permitted to decrypt for " + EC);
            assertThat(DirectoryServiceGrpc.newBlockingStub(channel)
                    .listIdentities(ListIdentitiesRequest.getDefaultInstance())
                    .getIdentitiesList()).extracting(i -> i.getIdentity()).containsExactly(RSA);
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    /**
     * Found by an outside trial: a certificate made with {@code -subj "/CN=x/O=y"} never
     * matched a policy written {@code CN=x,O=y} (RFC 4514 writes it {@code O=y,CN=x}), and
     * the refusal did not say why. It names the caller's subject as compared, and the order.
     */
    @Test
    void callerNoEntryMatches_isToldItsSubjectAsCompared() throws Exception {
        TestClients.Client unlisted = clients.issue("unlisted service", null, Duration.ofDays(1));
        TestClients.Client reversed = clients.issue("reversed service", null, Duration.ofDays(1));
        ManagedChannel unlistedChannel = clients.channel(unlisted);
        ManagedChannel reversedChannel = clients.channel(reversed);
        String why = "no policy entry matches this client certificate (subject 'CN=unlisted"
                + " service,O=smimed demo', as RFC 4514 writes it)";
        try {
            refused(() -> sign(unlistedChannel, RSA), Status.Code.PERMISSION_DENIED,
                    "not permitted to sign as " + RSA + ": " + why);
            refused(() -> sign(reversedChannel, RSA), Status.Code.PERMISSION_DENIED,
                    "not permitted to sign as " + RSA + ": no policy entry matches this client"
                            + " certificate (subject 'CN=reversed service,O=smimed demo', as"
                            + " RFC 4514 writes it; a policy entry names the same attributes"
                            + " in the other order: write its subject exactly like this)");
            refused(() -> rawCall(unlistedChannel, "smimed.v1.KeyAdminService/ListKeys"),
                    Status.Code.PERMISSION_DENIED, "only security officers may use this"
                            + " service: " + why);
            // Listing too: an empty list read as "no identities" (a Python client trial).
            refused(() -> DirectoryServiceGrpc.newBlockingStub(unlistedChannel).listIdentities(
                    ListIdentitiesRequest.getDefaultInstance()), Status.Code.PERMISSION_DENIED,
                    "no policy entry admits this caller: " + why);
            // The lookup smime sign makes first (found by a deployment trial: it said only
            // "not permitted to use").
            refused(() -> DirectoryServiceGrpc.newBlockingStub(unlistedChannel).getIdentity(
                    org.smimed.api.v1.GetIdentityRequest.newBuilder().setIdentity(RSA).build()),
                    Status.Code.PERMISSION_DENIED, "not permitted to use " + RSA + ": " + why);
        } finally {
            unlistedChannel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            reversedChannel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void serviceCaller_onKeyAdminService_isDeniedBeforeTheMethodIsLookedAt() throws Exception {
        ManagedChannel service = clients.channel(rsaOnly);
        ManagedChannel officer = deployment.officerChannel();
        try {
            var denied = refused(() -> rawCall(service, "smimed.v1.KeyAdminService/ListKeys"),
                    Status.Code.PERMISSION_DENIED, "only security officers may use this service");
            Map<String, String> record = assertRecord(denied,
                    "CN=rsa-only service,O=smimed demo", "PERMISSION_DENIED");
            assertThat(record.get("event")).isEqualTo("KEY_ADMIN");
            // A refused change has its one record: no STARTED for what never ran.
            assertRecord(refused(() -> rawCall(service, "smimed.v1.KeyAdminService/Destroy"),
                    Status.Code.PERMISSION_DENIED, "only security officers may use this service"),
                    "CN=rsa-only service,O=smimed demo", "PERMISSION_DENIED");
            var passed = refused(() -> rawCall(officer, "smimed.v1.KeyAdminService/ListKeys"),
                    Status.Code.UNIMPLEMENTED,
                    "method not found: smimed.v1.KeyAdminService/ListKeys");
            assertThat(recordOf(deployment.auditFile(), passed).get("caller"))
                    .isEqualTo(DemoSetup.OFFICER_SUBJECT);
        } finally {
            service.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            officer.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    // Found by an auditor trial: reading the keys took an officer entry, which may also change
    // them. An auditor reads, and is refused every change.
    @Test
    void auditor_readsKeyAdministration_butChangesNothing() throws Exception {
        String named = "auditor=external+auditor why="; // and why it was refused
        ManagedChannel channel = clients.channel(auditor);
        try {
            for (String read : List.of("ListKeys", "TokenInfo", "ListPendingApprovals")) {
                // Past the guard: this listener does not serve the methods themselves.
                var passed = refused(() -> rawCall(channel, "smimed.v1.KeyAdminService/" + read),
                        Status.Code.UNIMPLEMENTED, "method not found: smimed.v1.KeyAdminService/"
                        + read);
                assertThat(recordOf(deployment.auditFile(), passed).get("detail")).isEqualTo(
                        named + "method+not+found%3A+smimed.v1.KeyAdminService%2F" + read);
            }
            for (String change : List.of("GenerateKey", "Destroy", "Approve")) {
                // Named as the auditor it is, refused or not (an auditor trial).
                String why = "an auditor may only read (list, pending, token): this call is"
                        + " for security officers";
                assertThat(assertRecord(refused(() -> rawCall(channel, "smimed.v1.KeyAdmin"
                        + "Service/" + change), Status.Code.PERMISSION_DENIED, why),
                        auditor.subject(), "PERMISSION_DENIED").get("detail"))
                        .startsWith(named + "an+auditor+may+only+read+%28list%2C+pending");
            }
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    // Names its limit (found by a review) and when the older decrypt leaves the minute.
    private static final Pattern BUDGET_USED_UP = Pattern.compile("decrypt budget used up: 2"
            + " per minute \\(policy decryptsPerMinute\\); retry in (5[0-9]|60) s");

    @Test
    void callerOverItsDecryptBudget_isResourceExhausted() throws Exception {
        ManagedChannel channel = clients.channel(budgeted);
        try {
            // One budget for both ways of decrypting.
            assertThat(DecryptCall.decrypt(channel, null, toRsa, 4096).plaintext())
                    .isEqualTo(PLAINTEXT);
            assertThat(DecryptCall.whole(channel, null, toRsa).plaintext()).isEqualTo(PLAINTEXT);
            var e = refused(() -> DecryptCall.decrypt(channel, null, toRsa, 4096),
                    Status.Code.RESOURCE_EXHAUSTED, BUDGET_USED_UP);
            assertRecord(e, "CN=budgeted service,O=smimed demo", "RESOURCE_EXHAUSTED");
            // Which limit and how long, for a client to wait it out without reading the text.
            assertThat(failure(e).reason()).hasValue(ErrorReason.DECRYPT_BUDGET_EXHAUSTED);
            assertThat(failure(e).retryDelay().orElseThrow()).isBetween(Duration.ofSeconds(50),
                    Duration.ofSeconds(60));
            refused(() -> DecryptCall.whole(channel, null, toRsa),
                    Status.Code.RESOURCE_EXHAUSTED, BUDGET_USED_UP);
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void callerAtItsConcurrencyLimit_isResourceExhausted_untilItsCallEnds() throws Exception {
        ManagedChannel channel = clients.channel(throttled);
        try {
            // A Decrypt whose message has not all arrived holds the caller's one permit.
            DecryptCall.Unfinished held = null;
            StatusRuntimeException e = null;
            for (int i = 0; i < 100 && e == null; i++) {
                if (held == null || held.ended().isDone()) {
                    // A Sign that reached the daemon first refuses the Decrypt: open another.
                    held = DecryptCall.Unfinished.start(channel, toRsa, 64);
                }
                try {
                    sign(channel, RSA);
                    Thread.sleep(50);
                } catch (StatusRuntimeException refused) {
                    e = refused;
                }
            }
            assertThat(e).as("refused while a call was in flight").isNotNull();
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
            assertThat(e.getStatus().getDescription()).isEqualTo(
                    "too many concurrent calls: 1 in flight (policy maxConcurrent); retry later");
            assertThat(failure(e).reason()).hasValue(ErrorReason.CONCURRENT_CALLS_EXHAUSTED);
            assertRecord(e, "CN=throttled service,O=smimed demo", "RESOURCE_EXHAUSTED");

            held.cancel();
            held.ended().get(30, TimeUnit.SECONDS);
            assertThat(signOnceReleased(channel).getSignedData().isEmpty()).isFalse();
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void oneHealthWatchPerConnection_isFree_anyMoreCountAgainstTheLimit() throws Exception {
        ManagedChannel channel = clients.channel(throttled);
        try (HealthWatch first = HealthWatch.open(channel)) {
            // The Watch a health-checking client keeps open does not hold the one place ...
            assertThat(first.next()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
            assertThat(signOnceReleased(channel).getSignedData().isEmpty()).isFalse();
            // ... but a second one on the same connection does: else Watches are unbounded.
            try (HealthWatch second = HealthWatch.open(channel)) {
                assertThat(second.next()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
                refused(() -> sign(channel, RSA), Status.Code.RESOURCE_EXHAUSTED,
                        "too many concurrent calls: 1 in flight (policy maxConcurrent);"
                                + " retry later");
            }
            assertThat(signOnceReleased(channel).getSignedData().isEmpty()).isFalse();
            // Its client ending it is how a Watch ends: not a failure in the audit log.
            assertThat(AuditRecords.read(deployment.auditFile())).filteredOn(record ->
                    record.get("method").endsWith("Health/Watch")).singleElement()
                    .satisfies(record -> assertThat(record).containsEntry("outcome", "OK")
                            .containsEntry("status", "CANCELLED"));
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    /** The cancelled call's permit is given back when the daemon sees the cancellation. */
    private static org.smimed.api.v1.SignResponse signOnceReleased(ManagedChannel channel)
            throws Exception {
        for (int i = 0; ; i++) {
            try {
                return sign(channel, RSA);
            } catch (StatusRuntimeException e) {
                if (e.getStatus().getCode() != Status.Code.RESOURCE_EXHAUSTED || i == 100) {
                    throw e;
                }
                Thread.sleep(50);
            }
        }
    }

    private static Map<String, String> assertRecord(StatusRuntimeException e, String caller,
                                                    String status) throws Exception {
        Map<String, String> record = recordOf(deployment.auditFile(), e);
        assertThat(record.get("caller")).isEqualTo(caller);
        assertThat(record.get("outcome")).isEqualTo("DENIED");
        assertThat(record.get("status")).isEqualTo(status);
        return record;
    }

    private static SmimeClientException failure(StatusRuntimeException e) {
        return new SmimeClientException(e.getStatus(), e.getTrailers());
    }

    private static String target() {
        return "localhost:" + deployment.daemon().port();
    }

    private static org.smimed.api.v1.SignResponse sign(ManagedChannel channel, String identity) {
        return SigningServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
                .sign(SignRequest.newBuilder().setIdentity(identity)
                        .setContent(ByteString.copyFromUtf8("hello")).build());
    }

    private static byte[] rawCall(ManagedChannel channel, String method) {
        return RawCalls.unary(channel, method, new byte[0]);
    }

    static byte[] openSslEncrypt(Path recipient) throws Exception {
        return OpenSsl.encrypt(dir, "-aes-256-gcm", PLAINTEXT, recipient);
    }
}
