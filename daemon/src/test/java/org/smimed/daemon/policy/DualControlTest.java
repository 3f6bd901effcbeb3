package org.smimed.daemon.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** With dual control on, one officer alone cannot destroy a key. */
class DualControlTest {
    private static final Caller ALICE = officer("alice@example.com");
    private static final Caller ALICE_SECOND_CERT = new Caller("CN=Alice (laptop),O=Example",
            List.of("alice@example.com"), List.of(), List.of(), false);
    private static final Caller BOB = officer("bob@example.com");
    private static final Caller SERVICE = officer("service@example.com");

    @TempDir
    Path dir;
    private MutableClock clock;
    private PolicyStore policies;
    private DualControl dual;

    @BeforeEach
    void policyWithDualControlForDestroy() throws Exception {
        Path file = Files.writeString(dir.resolve("policy.yaml"), """
                callers:
                  - {name: alice, email: alice@example.com, officer: true}
                  - {name: bob, email: bob@example.com, officer: true}
                  - {name: service, email: service@example.com, sign: ["*"]}
                dualControl: {actions: [destroy, importPkcs12], approvalMinutes: 10}
                """);
        clock = new MutableClock(Instant.parse("2026-03-01T10:00:00Z"));
        policies = PolicyStore.load(file);
        dual = new DualControl(policies, clock, new SecureRandom());
    }

    @Test
    void destroy_byOneOfficer_onlyBecomesPending() throws Exception {
        DualControl.Submission submission = dual.submit(ALICE, AdminAction.DESTROY, "k/v1");

        assertThat(submission.mayRunNow()).isFalse();
        assertThat(dual.pending()).containsExactly(submission.pending().orElseThrow());
        assertThat(submission.pending().get().expires())
                .isEqualTo(Instant.parse("2026-03-01T10:10:00Z"));
    }

    @Test
    void importsWaitingAtOnce_areBounded_andAnApprovalMakesRoom() throws Exception {
        List<String> ids = new java.util.ArrayList<>();
        for (int i = 0; i < DualControl.MAX_WAITING_IMPORTS; i++) {
            ids.add(dual.submit(i % 2 == 0 ? ALICE : BOB, AdminAction.IMPORT_PKCS12,
                    "p" + i + "@example.com").pending().orElseThrow().id());
        }

        assertThatThrownBy(() -> dual.submit(ALICE, AdminAction.IMPORT_PKCS12, "more@example.com"))
                .isInstanceOfSatisfying(ApprovalException.class, e -> {
                    assertThat(e.kind()).isEqualTo(ApprovalException.Kind.TOO_MANY);
                    assertThat(e.getMessage()).startsWith("8 PKCS#12 imports are waiting for"
                            + " approval, the most at once");
                });
        assertThat(dual.submit(ALICE, AdminAction.DESTROY, "k/v1").mayRunNow()).isFalse();
        dual.approve(ALICE, ids.get(1));
        assertThat(dual.submit(ALICE, AdminAction.IMPORT_PKCS12, "more@example.com")
                .mayRunNow()).isFalse();
    }

    @Test
    void approval_bySameOfficer_evenWithAnotherCertificate_isRefused() throws Exception {
        String id = dual.submit(ALICE, AdminAction.DESTROY, "k/v1").pending().orElseThrow().id();

        assertThatThrownBy(() -> dual.approve(ALICE, id)).isInstanceOfSatisfying(
                ApprovalException.class,
                e -> assertThat(e.kind()).isEqualTo(ApprovalException.Kind.SAME_OFFICER));
        assertThatThrownBy(() -> dual.approve(ALICE_SECOND_CERT, id))
                .isInstanceOf(ApprovalException.class);
        assertThat(dual.pending()).hasSize(1);
    }

    @Test
    void approval_bySecondOfficer_releasesTheRequestOnce() throws Exception {
        String id = dual.submit(ALICE, AdminAction.DESTROY, "k/v1").pending().orElseThrow().id();

        DualControl.PendingRequest approved = dual.approve(BOB, id);

        assertThat(approved.target()).isEqualTo("k/v1");
        assertThat(approved.requestedBy()).isEqualTo("alice");
        assertThatThrownBy(() -> dual.approve(BOB, id)).isInstanceOfSatisfying(
                ApprovalException.class,
                e -> assertThat(e.kind()).isEqualTo(ApprovalException.Kind.UNKNOWN));
    }

    /** Found by an officer trial: an officer removed from the policy still had his way. */
    @Test
    void approval_afterTheRequesterLeftThePolicy_isRefusedAndTheRequestWithdrawn()
            throws Exception {
        String id = dual.submit(ALICE, AdminAction.DESTROY, "k/v1").pending().orElseThrow().id();
        Files.writeString(dir.resolve("policy.yaml"), """
                callers:
                  - {name: bob, email: bob@example.com, officer: true}
                dualControl: {actions: [destroy, importPkcs12], approvalMinutes: 10}
                """);
        assertThat(policies.reload()).isTrue();
        // No longer waiting for anyone: not listed, though approving it still says why.
        assertThat(dual.pending()).isEmpty();

        assertThatThrownBy(() -> dual.approve(BOB, id)).isInstanceOfSatisfying(
                ApprovalException.class, e -> {
                    assertThat(e.kind()).isEqualTo(ApprovalException.Kind.WITHDRAWN);
                    assertThat(e.getMessage()).isEqualTo("request " + id + " was made by"
                            + " 'alice', who is no longer an officer in the policy; it is"
                            + " withdrawn");
                });
        assertThat(dual.pending()).isEmpty();
    }

    @Test
    void approval_afterTheTimeLimit_isRefused() throws Exception {
        String id = dual.submit(ALICE, AdminAction.IMPORT_PKCS12, "x").pending().orElseThrow()
                .id();
        clock.advance(Duration.ofMinutes(10));

        assertThatThrownBy(() -> dual.approve(BOB, id)).isInstanceOfSatisfying(
                ApprovalException.class,
                e -> assertThat(e.kind()).isEqualTo(ApprovalException.Kind.EXPIRED));
        assertThat(dual.pending()).isEmpty();
        // Found by an officer trial: the second late approval heard "unknown".
        assertThatThrownBy(() -> dual.approve(BOB, id)).isInstanceOfSatisfying(
                ApprovalException.class,
                e -> assertThat(e.kind()).isEqualTo(ApprovalException.Kind.EXPIRED));
        // Remembered for a day after it expired, then forgotten.
        clock.advance(Duration.ofDays(1));
        assertThat(dual.pending()).isEmpty();
        assertThatThrownBy(() -> dual.approve(BOB, id)).isInstanceOfSatisfying(
                ApprovalException.class,
                e -> assertThat(e.kind()).isEqualTo(ApprovalException.Kind.UNKNOWN));
    }

    /**
     * Found by a review: once withdrawn (and its held file wiped), a request must not come
     * back when a reload names its requester again, nor block the same change asked anew.
     */
    @Test
    void aWithdrawnRequest_staysWithdrawn_whenItsRequesterReturns() throws Exception {
        Path policy = dir.resolve("policy.yaml");
        String original = Files.readString(policy);
        String id = dual.submit(ALICE, AdminAction.DESTROY, "k/v1").pending().orElseThrow().id();
        Files.writeString(policy, """
                callers:
                  - {name: bob, email: bob@example.com, officer: true}
                dualControl: {actions: [destroy, importPkcs12], approvalMinutes: 10}
                """);
        assertThat(policies.reload()).isTrue();
        assertThat(dual.pending()).isEmpty();

        Files.writeString(policy, original);
        assertThat(policies.reload()).isTrue();

        assertThat(dual.pending()).isEmpty();
        String again = dual.submit(ALICE, AdminAction.DESTROY, "k/v1").pending().orElseThrow()
                .id();
        assertThat(dual.pending()).extracting(DualControl.PendingRequest::id)
                .containsExactly(again);
        assertThatThrownBy(() -> dual.approve(BOB, id)).isInstanceOfSatisfying(
                ApprovalException.class,
                e -> assertThat(e.kind()).isEqualTo(ApprovalException.Kind.WITHDRAWN));
    }

    /** Found by a review: two ids for one change, the second bound to fail. */
    @Test
    void theSameChangeOfTheSameVersion_isRefusedWhileOneWaits_otherChangesAreNot()
            throws Exception {
        String id = dual.submit(ALICE, AdminAction.DESTROY, "k/v1").pending().orElseThrow().id();

        assertThatThrownBy(() -> dual.submit(BOB, AdminAction.DESTROY, "k/v1"))
                .isInstanceOfSatisfying(ApprovalException.class, e -> {
                    assertThat(e.kind()).isEqualTo(ApprovalException.Kind.DUPLICATE);
                    assertThat(e.getMessage()).isEqualTo("destroy of k/v1 is already waiting"
                            + " for approval as request " + id + " (requested by 'alice',"
                            + " until 2026-03-01T10:10:00Z)");
                });
        assertThat(dual.submit(ALICE, AdminAction.DESTROY, "k/v2").mayRunNow()).isFalse();
        // Two PKCS#12 files for one identity are two imports.
        dual.submit(ALICE, AdminAction.IMPORT_PKCS12, "x");
        assertThat(dual.submit(ALICE, AdminAction.IMPORT_PKCS12, "x").mayRunNow()).isFalse();
        assertThat(dual.pending()).hasSize(4);
        // Once the first expired, the change may be asked for again.
        clock.advance(Duration.ofMinutes(11));
        assertThat(dual.submit(BOB, AdminAction.DESTROY, "k/v1").mayRunNow()).isFalse();
    }

    @Test
    void nonOfficers_canNeitherRequestNorApprove() throws Exception {
        String id = dual.submit(ALICE, AdminAction.DESTROY, "k/v1").pending().orElseThrow().id();

        assertThatThrownBy(() -> dual.submit(SERVICE, AdminAction.DESTROY, "k/v1"))
                .isInstanceOf(PermissionDeniedException.class);
        assertThatThrownBy(() -> dual.approve(SERVICE, id))
                .isInstanceOf(PermissionDeniedException.class);
    }

    @Test
    void actionsNotUnderDualControl_mayRunAtOnce() throws Exception {
        Path file = Files.writeString(dir.resolve("off.yaml"), """
                callers: [{name: alice, email: alice@example.com, officer: true}]
                """);
        DualControl off = new DualControl(PolicyStore.load(file), clock, new SecureRandom());

        assertThat(off.submit(ALICE, AdminAction.DESTROY, "k/v1").mayRunNow()).isTrue();
    }

    /** What a reload's audit record says of it: turning it off must show (an officer trial). */
    @Test
    void summary_namesTheActionsInTheirOrderAndTheWindow_orOff() throws Exception {
        Path on = Files.writeString(dir.resolve("on.yaml"), """
                callers: [{name: alice, email: alice@example.com, officer: true}]
                dualControl: {actions: [importPkcs12, destroy], approvalMinutes: 10}
                """);
        Path off = Files.writeString(dir.resolve("off.yaml"), """
                callers: [{name: alice, email: alice@example.com, officer: true}]
                """);

        assertThat(PolicyStore.load(on).current().dualControl().summary())
                .isEqualTo("dualControl=destroy,importPkcs12 approvalMinutes=10");
        assertThat(PolicyStore.load(off).current().dualControl().summary())
                .isEqualTo("dualControl=off");
    }

    private static Caller officer(String email) {
        return new Caller("CN=" + email + ",O=Example", List.of(email), List.of(), List.of(),
                false);
    }

    /** A clock the test moves forward. */
    static final class MutableClock extends Clock {
        private Instant now;

        MutableClock(Instant start) {
            this.now = start;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }
}
