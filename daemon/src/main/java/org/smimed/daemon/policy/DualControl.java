package org.smimed.daemon.policy;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Four-eyes control for officer operations the policy names (see {@link AdminAction}): the
 * first officer's request waits, and runs only when a second, different officer approves it
 * within the policy's time limit.
 *
 * <p>Guarantee: {@link #approve} hands out a request at most once, only to an officer whose
 * policy entry differs from the requester's, and only before the request expires. Officers
 * are told apart by policy entry, so one person with two certificates is still one officer.
 * Pending requests live in memory: a restart cancels them, which fails safe.
 */
public final class DualControl {
    /** A request waiting for approval. */
    public record PendingRequest(String id, AdminAction action, String target,
                                 String requestedBy, Instant expires) {}

    /** What {@link #submit} decided: run now, or wait for the approval of {@code pending}. */
    public record Submission(Optional<PendingRequest> pending) {
        public boolean mayRunNow() {
            return pending.isEmpty();
        }
    }

    private static final java.time.Duration REMEMBER_EXPIRED = java.time.Duration.ofDays(1);
    /**
     * PKCS#12 imports waiting at once, whoever asked: each holds its file (up to 4 MiB) and
     * password in memory until approved or expired, so sixty of them filled the heap (a
     * security review).
     */
    static final int MAX_WAITING_IMPORTS = 8;

    private final PolicyStore policies;
    private final Clock clock;
    private final SecureRandom random;
    private final Map<String, PendingRequest> pending = new LinkedHashMap<>();
    /**
     * Ids of requests found withdrawn (the requester left the policy). Withdrawn for good: the
     * gate has wiped what it held, so a policy that names the requester again must not bring
     * the request back (found by a review).
     */
    private final Set<String> withdrawn = new HashSet<>();

    public DualControl(PolicyStore policies, Clock clock, SecureRandom random) {
        this.policies = policies;
        this.clock = clock;
        this.random = random;
    }

    /**
     * Submits {@code action} on {@code target} (a key version or identity) by {@code officer}.
     * Without dual control for the action it may run now; with it, it becomes pending.
     */
    public synchronized Submission submit(Caller officer, AdminAction action, String target)
            throws PermissionDeniedException, ApprovalException {
        Policy policy = policies.current();
        String requester = officerEntry(policy, officer);
        if (!policy.dualControl().requiresApproval(action)) {
            return new Submission(Optional.empty());
        }
        // The same change on the same key version asked twice would leave two ids for one
        // change, the second bound to fail once the first ran (found by a review). Imports
        // are told apart by their file, not their identity, so they may wait side by side.
        if (action == AdminAction.IMPORT_PKCS12) {
            List<PendingRequest> imports = waiting(policy).stream()
                    .filter(r -> r.action() == AdminAction.IMPORT_PKCS12).toList();
            if (imports.size() >= MAX_WAITING_IMPORTS) {
                throw new ApprovalException(ApprovalException.Kind.TOO_MANY, imports.size()
                        + " PKCS#12 imports are waiting for approval, the most at once (each"
                        + " holds its file): have them approved, or wait until the first"
                        + " expires at " + imports.get(0).expires());
            }
        } else {
            Optional<PendingRequest> same = waiting(policy).stream()
                    .filter(r -> r.action() == action && r.target().equals(target)).findFirst();
            if (same.isPresent()) {
                throw new ApprovalException(ApprovalException.Kind.DUPLICATE, action.policyName()
                        + " of " + target + " is already waiting for approval as request "
                        + same.get().id() + " (requested by '" + same.get().requestedBy()
                        + "', until " + same.get().expires() + ")");
            }
        }
        byte[] id = new byte[12];
        random.nextBytes(id);
        PendingRequest request = new PendingRequest(HexFormat.of().formatHex(id), action, target,
                requester, clock.instant().plus(policy.dualControl().approvalWindow()));
        pending.put(request.id(), request);
        return new Submission(Optional.of(request));
    }

    /** A second officer approves; returns the request, which the caller must now carry out. */
    public synchronized PendingRequest approve(Caller approver, String requestId)
            throws PermissionDeniedException, ApprovalException {
        Policy policy = policies.current();
        String approverEntry = officerEntry(policy, approver);
        dropExpired();
        PendingRequest request = pending.get(requestId);
        if (request == null) {
            throw new ApprovalException(ApprovalException.Kind.UNKNOWN,
                    "no pending request " + requestId + " (approved already, expired, or never"
                            + " made: smimectl pending lists those waiting)");
        }
        if (!clock.instant().isBefore(request.expires())) {
            // Kept (until dropExpired forgets it a day later): a second late approval must
            // hear "expired" too, not "unknown" (an officer trial got NOT_FOUND seconds after).
            throw new ApprovalException(ApprovalException.Kind.EXPIRED,
                    "request " + requestId + " expired at " + request.expires());
        }
        if (request.requestedBy().equals(approverEntry)) {
            throw new ApprovalException(ApprovalException.Kind.SAME_OFFICER,
                    "a request must be approved by a different officer");
        }
        // Two officers must stand behind the change when it runs: a requester removed from
        // the policy since (found by an officer trial) no longer does.
        if (withdrawn.contains(requestId) || withdrawn(policy, request)) {
            withdrawn.add(requestId);
            throw new ApprovalException(ApprovalException.Kind.WITHDRAWN, "request " + requestId
                    + " was made by '" + request.requestedBy() + "', who is no longer an officer"
                    + " in the policy; it is withdrawn");
        }
        pending.remove(requestId);
        return request;
    }

    /**
     * Requests still waiting, oldest first: not expired, and not withdrawn (their requester is
     * still an officer in the policy). A withdrawn one is kept, like an expired one, so that
     * approving it says why it cannot run.
     */
    public synchronized List<PendingRequest> pending() {
        return waiting(policies.current());
    }

    private List<PendingRequest> waiting(Policy policy) {
        dropExpired();
        pending.values().stream().filter(r -> withdrawn(policy, r))
                .forEach(r -> withdrawn.add(r.id()));
        Instant now = clock.instant();
        return pending.values().stream()
                .filter(r -> now.isBefore(r.expires()) && !withdrawn.contains(r.id())).toList();
    }

    private static boolean withdrawn(Policy policy, PendingRequest request) {
        return policy.rules().stream().noneMatch(r -> r.officer()
                && r.name().equals(request.requestedBy()));
    }

    /** The request {@code id}, waiting or expired (until forgotten), for the audit record. */
    public synchronized Optional<PendingRequest> request(String id) {
        return Optional.ofNullable(pending.get(id));
    }

    /**
     * Forgets requests a day after they expired; until then a late approval is told "expired"
     * (FAILED_PRECONDITION) rather than "unknown".
     */
    private void dropExpired() {
        Instant forget = clock.instant().minus(REMEMBER_EXPIRED);
        pending.values().removeIf(r -> !forget.isBefore(r.expires()));
        withdrawn.retainAll(pending.keySet());
    }

    private static String officerEntry(Policy policy, Caller caller)
            throws PermissionDeniedException {
        return policy.officerEntry(caller).orElseThrow(() -> new PermissionDeniedException(
                "only security officers may request or approve this"));
    }
}
