package org.smimed.daemon.policy;

import java.util.List;
import java.util.Locale;
import java.util.OptionalInt;

/**
 * One entry of the policy: how a caller is recognised and what it may do.
 *
 * @param name              the entry's name; limits are counted per entry
 * @param match             how a caller's certificate is recognised
 * @param sign              identities the caller may sign as
 * @param decrypt           identities the caller may decrypt for
 * @param officer           whether the caller is a security officer (KeyAdminService)
 * @param auditor           whether the caller may read KeyAdminService (ListKeys, TokenInfo,
 *                          ListPendingApprovals) without being able to change anything
 * @param maxConcurrent     calls in flight at once, if limited
 * @param decryptsPerMinute decrypt calls per rolling minute, if limited
 */
public record CallerRule(String name, Match match, List<IdentityPattern> sign,
                         List<IdentityPattern> decrypt, boolean officer, boolean auditor,
                         OptionalInt maxConcurrent, OptionalInt decryptsPerMinute) {

    public CallerRule {
        sign = List.copyOf(sign);
        decrypt = List.copyOf(decrypt);
    }

    /**
     * How a certificate is recognised: exactly one of the kinds.
     *
     * @param canonicalValue for SUBJECT, the value as caller subjects are compared
     *                       ({@code Caller.canonical}),
     *                       computed once here because policy matching runs on every call
     */
    public record Match(Kind kind, String value, String canonicalValue) {
        /** The certificate field compared. */
        public enum Kind { SUBJECT, EMAIL, DNS, URI, ANONYMOUS }

        /** A match on {@code value}; a SUBJECT value must be a distinguished name. */
        public Match(Kind kind, String value) {
            this(kind, value, kind == Kind.SUBJECT ? Caller.canonical(value) : value);
        }

        boolean matches(Caller caller) {
            return switch (kind) {
                case ANONYMOUS -> caller.anonymous();
                case SUBJECT -> !caller.anonymous()
                        && canonicalValue.equals(caller.canonicalSubject());
                case EMAIL -> caller.emails().contains(value.toLowerCase(Locale.ROOT));
                case DNS -> caller.dnsNames().contains(value.toLowerCase(Locale.ROOT));
                case URI -> caller.uris().contains(value);
            };
        }
    }

    /** Whether this entry grants {@code operation} on {@code identity}. */
    public boolean grants(Operation operation, String identity) {
        List<IdentityPattern> patterns = operation == Operation.SIGN ? sign : decrypt;
        return patterns.stream().anyMatch(p -> p.matches(identity));
    }
}
