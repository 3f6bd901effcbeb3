package org.smimed.daemon.policy;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A validated, immutable authorization policy. Deny by default: a caller no entry matches may
 * do nothing, and an entry grants only what it lists. The first entry that matches a caller
 * is the one that applies.
 */
public record Policy(List<CallerRule> rules, DualControlSettings dualControl) {

    public Policy {
        rules = List.copyOf(rules);
    }

    /** Officer operations that need a second officer's approval, and how long one may wait. */
    public record DualControlSettings(Set<AdminAction> actions, Duration approvalWindow) {
        public DualControlSettings {
            actions = Set.copyOf(actions);
        }

        /** Dual control off. */
        public static DualControlSettings off() {
            return new DualControlSettings(Set.of(), Duration.ofMinutes(15));
        }

        public boolean requiresApproval(AdminAction action) {
            return actions.contains(action);
        }

        /**
         * "dualControl=activate,destroy approvalMinutes=15", or "dualControl=off": for the
         * reload's audit record and log line, since turning dual control off is the policy
         * change an auditor most needs to see (an officer trial found it in neither).
         */
        public String summary() {
            if (actions.isEmpty()) {
                return "dualControl=off";
            }
            return "dualControl=" + java.util.Arrays.stream(AdminAction.values())
                    .filter(actions::contains).map(AdminAction::policyName)
                    .collect(java.util.stream.Collectors.joining(","))
                    + " approvalMinutes=" + approvalWindow.toMinutes();
        }
    }

    /** The entry that applies to {@code caller}, if any. */
    public Optional<CallerRule> ruleFor(Caller caller) {
        return rules.stream().filter(r -> r.match().matches(caller)).findFirst();
    }

    /**
     * Why no entry applies to {@code caller}, for the refusal it gets, or empty when one does.
     * Names the subject as compared (RFC 4514: the last RDN of the certificate first), and
     * says so when an entry lists the same RDNs in the other order — what {@code openssl req
     * -subj "/CN=x/O=y"} against a policy written {@code CN=x,O=y} gives. The caller learns
     * only its own subject, and that the policy has such an entry.
     */
    public Optional<String> whyNoEntry(Caller caller) {
        if (ruleFor(caller).isPresent()) {
            return Optional.empty();
        }
        if (caller.anonymous()) {
            return Optional.of("no policy entry matches callers without a certificate");
        }
        boolean reversed = rules.stream().map(CallerRule::match)
                .filter(m -> m.kind() == CallerRule.Match.Kind.SUBJECT)
                .anyMatch(m -> Caller.reversedCanonical(m.value())
                        .equals(caller.canonicalSubject()));
        return Optional.of("no policy entry matches this client certificate (subject '"
                + caller.subject() + "', as RFC 4514 writes it"
                + (reversed ? "; a policy entry names the same attributes in the other order:"
                        + " write its subject exactly like this" : "")
                + ")");
    }

    /** Whether {@code caller} may perform {@code operation} on {@code identity}. */
    public boolean permits(Caller caller, Operation operation, String identity) {
        return ruleFor(caller).map(r -> r.grants(operation, identity)).orElse(false);
    }

    /** The policy entry that makes {@code caller} a security officer, if one does. */
    public Optional<String> officerEntry(Caller caller) {
        return ruleFor(caller).filter(CallerRule::officer).map(CallerRule::name);
    }
}
