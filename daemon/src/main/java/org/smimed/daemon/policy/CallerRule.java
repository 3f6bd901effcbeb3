package org.smimed.daemon.policy;

import java.util.List;
import java.util.Locale;
import java.util.OptionalInt;
import javax.security.auth.x500.X500Principal;

/**
 * One entry of the policy: how a caller is recognised and what it may do.
 *
 * @param name              the entry's name; limits are counted per entry
 * @param match             how a caller's certificate is recognised
 * @param sign              identities the caller may sign as
 * @param decrypt           identities the caller may decrypt for
 * @param officer           whether the caller is a security officer (KeyAdminService)
 * @param maxConcurrent     calls in flight at once, if limited
 * @param decryptsPerMinute decrypt calls per rolling minute, if limited
 */
public record CallerRule(String name, Match match, List<IdentityPattern> sign,
                         List<IdentityPattern> decrypt, boolean officer,
                         OptionalInt maxConcurrent, OptionalInt decryptsPerMinute) {

    public CallerRule {
        sign = List.copyOf(sign);
        decrypt = List.copyOf(decrypt);
    }

    /** How a certificate is recognised: exactly one of the kinds. */
    public record Match(Kind kind, String value) {
        /** The certificate field compared. */
        public enum Kind { SUBJECT, EMAIL, DNS, URI, ANONYMOUS }

        boolean matches(Caller caller) {
            return switch (kind) {
                case ANONYMOUS -> caller.anonymous();
                case SUBJECT -> !caller.anonymous() && sameName(value, caller.subject());
                case EMAIL -> caller.emails().contains(value.toLowerCase(Locale.ROOT));
                case DNS -> caller.dnsNames().contains(value.toLowerCase(Locale.ROOT));
                case URI -> caller.uris().contains(value);
            };
        }

        private static boolean sameName(String a, String b) {
            return new X500Principal(a).getName(X500Principal.CANONICAL)
                    .equals(new X500Principal(b).getName(X500Principal.CANONICAL));
        }
    }

    /** Whether this entry grants {@code operation} on {@code identity}. */
    public boolean grants(Operation operation, String identity) {
        List<IdentityPattern> patterns = operation == Operation.SIGN ? sign : decrypt;
        return patterns.stream().anyMatch(p -> p.matches(identity));
    }
}
