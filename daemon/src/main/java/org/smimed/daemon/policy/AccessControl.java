package org.smimed.daemon.policy;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Every authorization decision of the daemon, against the policy in force at the moment of
 * the decision: grants per identity, the officer role, concurrency limits and decrypt budgets.
 *
 * <p>Guarantee: deny by default; a caller no policy entry matches is refused everything.
 */
public final class AccessControl {
    private final PolicyStore policies;
    private final DecryptBudget budget;
    private final ConcurrencyLimits concurrency = new ConcurrencyLimits();

    public AccessControl(PolicyStore policies, DecryptBudget budget) {
        this.policies = policies;
        this.budget = budget;
    }

    /** Refuses unless the policy grants {@code operation} on {@code identity}. */
    public void check(Caller caller, Operation operation, String identity)
            throws PermissionDeniedException {
        Policy policy = policies.current();
        if (!policy.permits(caller, operation, identity)) {
            throw denied(policy, caller, "not permitted to " + operation.phrase() + " "
                    + identity);
        }
    }

    /** Refuses unless the policy grants {@code operation} on at least one identity. */
    public void checkAny(Caller caller, Operation operation) throws PermissionDeniedException {
        Policy policy = policies.current();
        boolean any = policy.ruleFor(caller).map(r -> !(operation == Operation.SIGN
                ? r.sign() : r.decrypt()).isEmpty()).orElse(false);
        if (!any) {
            throw denied(policy, caller, "not permitted to " + operation.name()
                    .toLowerCase(java.util.Locale.ROOT));
        }
    }

    /** Whether the policy grants {@code operation} on {@code identity}. */
    public boolean permits(Caller caller, Operation operation, String identity) {
        return policies.current().permits(caller, operation, identity);
    }

    /** The items whose identity the caller may use for {@code operation}. */
    public <T> List<T> filter(Caller caller, Operation operation, List<T> items,
                              Function<T, String> identity) {
        Policy policy = policies.current();
        return items.stream().filter(i -> policy.permits(caller, operation, identity.apply(i)))
                .toList();
    }

    /**
     * The policy entry that admits {@code caller}, for the limits it sets (GetLimits); refused
     * naming why when none does, as every other call of such a caller is.
     */
    public CallerRule entryFor(Caller caller) throws PermissionDeniedException {
        Policy policy = policies.current();
        Optional<CallerRule> rule = policy.ruleFor(caller);
        if (rule.isEmpty()) {
            throw denied(policy, caller, "no policy entry admits this caller");
        }
        return rule.get();
    }

    /** Who an administration call is from: its policy entry, and whether only as an auditor. */
    public record AdminRole(String entry, boolean auditor) {}

    /**
     * Refuses unless the caller is a security officer, or an auditor and the call only reads;
     * gives {@code named} the policy entry that makes the caller an officer or an auditor,
     * allowed or not, from the same reading of the policy (two officers' certificates may
     * share a subject: the entry tells them apart, as dual control does; an auditor refused a
     * change was not named, found by an auditor trial).
     */
    public void checkAdministration(Caller caller, boolean readOnly,
                                    java.util.function.Consumer<AdminRole> named)
            throws PermissionDeniedException {
        Policy policy = policies.current();
        Optional<String> officer = policy.officerEntry(caller);
        if (officer.isPresent()) {
            named.accept(new AdminRole(officer.get(), false));
            return;
        }
        Optional<CallerRule> rule = policy.ruleFor(caller);
        if (rule.isPresent() && rule.get().auditor()) {
            named.accept(new AdminRole(rule.get().name(), true));
            if (readOnly) {
                return;
            }
            throw new PermissionDeniedException("an auditor may only read (list, pending,"
                    + " token): this call is for security officers");
        }
        throw denied(policy, caller, "only security officers may use this service");
    }

    /**
     * {@code refusal} for {@code caller}, saying why no policy entry applies when none does
     * (a directory lookup said only "not permitted to use x", found by a deployment trial).
     */
    public PermissionDeniedException denied(Caller caller, String refusal) {
        return denied(policies.current(), caller, refusal);
    }

    /** A refusal, saying why no entry applies when none does: else the policy is a mystery. */
    private static PermissionDeniedException denied(Policy policy, Caller caller,
                                                    String refusal) {
        return new PermissionDeniedException(refusal + policy.whyNoEntry(caller)
                .map(why -> ": " + why).orElse(""));
    }

    /** Starts a call under the caller's concurrency limit; close the permit when it ends. */
    public ConcurrencyLimits.Permit enter(Caller caller) throws LimitExceededException {
        var rule = policies.current().ruleFor(caller);
        if (rule.isEmpty() || rule.get().maxConcurrent().isEmpty()) {
            return ConcurrencyLimits.UNLIMITED;
        }
        int limit = rule.get().maxConcurrent().getAsInt();
        ConcurrencyLimits.Permit permit = concurrency.tryEnter(rule.get().name(), limit);
        if (permit == null) {
            throw new LimitExceededException(LimitExceededException.Limit.CONCURRENT_CALLS,
                    "too many concurrent calls: " + limit
                    + " in flight (policy maxConcurrent); retry later");
        }
        return permit;
    }

    /** Counts one decrypt against the caller's budget, refusing it if the budget is used up. */
    public void chargeDecrypt(Caller caller) throws LimitExceededException {
        var rule = policies.current().ruleFor(caller);
        if (rule.isEmpty() || rule.get().decryptsPerMinute().isEmpty()) {
            return;
        }
        int perMinute = rule.get().decryptsPerMinute().getAsInt();
        Optional<Duration> wait = budget.tryCharge(rule.get().name(), perMinute);
        if (wait.isPresent()) {
            // Whole seconds, rounded up: a retry at the time said must find room.
            long seconds = Math.max(1, (wait.get().toNanos() + 999_999_999L) / 1_000_000_000L);
            throw new LimitExceededException(LimitExceededException.Limit.DECRYPT_BUDGET,
                    "decrypt budget used up: " + perMinute + " per minute (policy"
                    + " decryptsPerMinute); retry in " + seconds + " s",
                    Duration.ofSeconds(seconds));
        }
    }
}
