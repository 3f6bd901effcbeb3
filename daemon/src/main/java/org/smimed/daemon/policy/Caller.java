package org.smimed.daemon.policy;

import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.security.auth.x500.X500Principal;

/**
 * Who is calling: the verified client certificate's subject and subjectAltName entries, or the
 * anonymous development caller.
 *
 * <p>Guarantee: a non-anonymous Caller is only made from a certificate chain that
 * {@link ClientCertificateVerifier} accepted; the names are as the certificate states them
 * (e-mail addresses and DNS names in lower case).
 *
 * @param subject  RFC 2253 subject DN, or "anonymous"
 * @param emails   rfc822Name entries of subjectAltName
 * @param dnsNames dNSName entries of subjectAltName
 * @param uris     uniformResourceIdentifier entries of subjectAltName
 * @param canonicalSubject the subject as policy entries compare it (see {@link #canonical};
 *                 empty when anonymous); computed once because matching runs on every call
 */
public record Caller(String subject, List<String> emails, List<String> dnsNames,
                     List<String> uris, boolean anonymous, String canonicalSubject) {
    private static final int RFC822 = 1;
    private static final int DNS = 2;
    private static final int URI = 6;

    public Caller {
        emails = List.copyOf(emails);
        dnsNames = List.copyOf(dnsNames);
        uris = List.copyOf(uris);
    }

    /** A caller; the canonical subject is derived from {@code subject}. */
    public Caller(String subject, List<String> emails, List<String> dnsNames, List<String> uris,
                  boolean anonymous) {
        this(subject, emails, dnsNames, uris, anonymous, anonymous ? "" : canonical(subject));
    }

    /**
     * The form in which policy entries compare distinguished name {@code name}: as RFC 4514
     * writes it (attribute keywords, separators and escapes made uniform), ASCII letters in
     * lower case, every other character as it is. The JDK's canonical form was used until
     * security trials found what it folds together: Unicode compatibility forms and case
     * ("CN=smımed" with a dotless i, a long s, full-width letters), control characters at the
     * edges of a value (trimmed), a NUL (made a space), runs of spaces (made one) — names a CA
     * checking byte for byte issues to different people, one of whom then approved their own
     * request as another officer.
     */
    static String canonical(String name) {
        return canonical(new X500Principal(name));
    }

    /**
     * As {@link #canonical(String)}, from the name itself: its DER encoding read back orders a
     * multi-valued RDN's attributes as a certificate's are, and a certificate's subject is
     * never parsed from its printed form (the JDK prints a carriage return at a value's edge
     * as it cannot read back: found by a security review).
     */
    static String canonical(X500Principal name) {
        String written = new X500Principal(name.getEncoded()).getName(X500Principal.RFC2253);
        StringBuilder exact = new StringBuilder(written.length());
        written.chars().forEach(c -> exact.append(
                (char) (c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c)));
        return exact.toString();
    }

    /** The canonical form of {@code name} with its RDNs in the opposite order. */
    static String reversedCanonical(String name) {
        try {
            List<Rdn> rdns = new ArrayList<>(new LdapName(name).getRdns());
            java.util.Collections.reverse(rdns);
            return canonical(new LdapName(rdns).toString());
        } catch (InvalidNameException | IllegalArgumentException e) {
            return "";
        }
    }

    /** The caller a verified client certificate names. */
    public static Caller of(X509Certificate certificate) {
        List<String> emails = new ArrayList<>();
        List<String> dns = new ArrayList<>();
        List<String> uris = new ArrayList<>();
        try {
            Collection<List<?>> names = certificate.getSubjectAlternativeNames();
            if (names != null) {
                for (List<?> name : names) {
                    int type = (Integer) name.get(0);
                    String value = String.valueOf(name.get(1));
                    switch (type) {
                        case RFC822 -> emails.add(value.toLowerCase(Locale.ROOT));
                        case DNS -> dns.add(value.toLowerCase(Locale.ROOT));
                        case URI -> uris.add(value);
                        default -> { }
                    }
                }
            }
        } catch (CertificateParsingException e) {
            // A certificate whose SAN cannot be parsed is matched by its subject only.
        }
        X500Principal subject = certificate.getSubjectX500Principal();
        return new Caller(subject.getName(X500Principal.RFC2253), emails, dns, uris, false,
                canonical(subject));
    }

    /** The caller without a certificate, served only in development. */
    public static Caller anonymousCaller() {
        return new Caller("anonymous", List.of(), List.of(), List.of(), true);
    }

    /** How the caller appears in the audit log and in messages. */
    public String name() {
        return subject;
    }
}
