package org.smimed.client.mime;

import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import java.security.GeneralSecurityException;
import java.security.cert.CertPathBuilder;
import java.security.cert.CertStore;
import java.security.cert.CollectionCertStoreParameters;
import java.security.cert.PKIXBuilderParameters;
import java.security.cert.PKIXCertPathBuilderResult;
import java.security.cert.TrustAnchor;
import java.security.cert.X509CertSelector;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;

/**
 * Checks on a signer certificate: chain to a trust anchor, S/MIME usage, e-mail addresses.
 *
 * <p>Guarantee: {@link #validatePath} succeeds only when PKIX path building (JDK provider,
 * certificates from the message as intermediates) reaches one of the trust anchors at the
 * given time. Revocation checking is off: there is no CRL or OCSP access here, and a silent
 * soft-fail would suggest a check that did not happen. A trusted certificate that is not a CA
 * ({@link #mayIssue}) vouches only for itself: a correspondent's certificate pinned with
 * --trust cannot certify others, though PKIX asks nothing of an anchor.
 */
final class SignerCertificates {
  private static final String EMAIL_PROTECTION = "1.3.6.1.5.5.7.3.4";
  private static final String ANY_EKU = "2.5.29.37.0";

  private SignerCertificates() {}

  static void validatePath(X509Certificate signer, Collection<X509Certificate> intermediates,
      Set<TrustAnchor> anchors, Instant at) throws SmimeOperationException {
    // PKIX never checks a trust anchor's own dates: an expired certificate given as --trust,
    // signer or root, would vouch on (found by an interop trial; OpenSSL refuses). Expired
    // anchors are left out, so a renewed root beside its expired predecessor still serves.
    // Found by a new-user trial: a correspondent's leaf given as --trust certified a
    // certificate for any address made with its key, and that passed the sender check.
    Set<TrustAnchor> usable = new java.util.HashSet<>();
    Optional<X509Certificate> leafIssuer = Optional.empty();
    for (TrustAnchor anchor : anchors) {
      X509Certificate cert = anchor.getTrustedCert();
      if (cert == null || mayIssue(cert) || cert.equals(signer)) {
        usable.add(anchor);
      } else if (cert.getSubjectX500Principal().equals(signer.getIssuerX500Principal())) {
        leafIssuer = Optional.of(cert);
      }
    }
    Set<TrustAnchor> current = new java.util.HashSet<>();
    for (TrustAnchor anchor : usable) {
      X509Certificate cert = anchor.getTrustedCert();
      if (cert == null || validAt(cert, at)) {
        current.add(anchor);
      }
    }
    try {
      build(signer, intermediates, current, at);
    } catch (GeneralSecurityException e) {
      if (leafIssuer.isPresent()) {
        throw new SmimeOperationException("signer certificate not trusted: its issuer "
            + subject(leafIssuer.get()) + " is trusted, but as an end entity, not a CA"
            + " (no basicConstraints CA:TRUE with keyCertSign), so it vouches only for its"
            + " own signatures", e);
      }
      if (current.size() < usable.size()) {
        Optional<X509Certificate> expired = builtOnExpired(signer, intermediates, usable, at);
        if (expired.isPresent()) {
          checkDates(expired.get(), expired.get().equals(signer) ? "signer certificate"
              : "trusted CA " + subject(expired.get()), at);
        }
      }
      throw new SmimeOperationException("signer certificate not trusted ("
          + oneLine(e.getMessage()) + ")", e);
    }
  }

  /** The expired anchor a path would end at were expired anchors allowed, if any. */
  private static Optional<X509Certificate> builtOnExpired(X509Certificate signer,
      Collection<X509Certificate> intermediates, Set<TrustAnchor> anchors, Instant at) {
    try {
      return Optional.ofNullable(build(signer, intermediates, anchors, at).getTrustAnchor()
          .getTrustedCert());
    } catch (GeneralSecurityException e) {
      return Optional.empty();
    }
  }

  private static PKIXCertPathBuilderResult build(X509Certificate signer,
      Collection<X509Certificate> intermediates, Set<TrustAnchor> anchors, Instant at)
      throws GeneralSecurityException {
    if (anchors.isEmpty()) {
      throw new java.security.cert.CertPathBuilderException("no trust anchor valid now");
    }
    X509CertSelector target = new X509CertSelector();
    target.setCertificate(signer);
    PKIXBuilderParameters params = new PKIXBuilderParameters(anchors, target);
    List<X509Certificate> pool = new ArrayList<>(intermediates);
    pool.add(signer);
    params.addCertStore(CertStore.getInstance("Collection",
        new CollectionCertStoreParameters(pool)));
    params.setRevocationEnabled(false);
    params.setDate(Date.from(at));
    return (PKIXCertPathBuilderResult) CertPathBuilder.getInstance("PKIX").build(params);
  }

  /**
   * Whether {@code cert} may certify others, as OpenSSL judges a CA (X509_check_ca): with a key
   * usage, only if it has keyCertSign; then basicConstraints CA:TRUE when the extension is
   * there, and without it (old roots) a key usage with keyCertSign or a self-signed version 1
   * certificate.
   */
  static boolean mayIssue(X509Certificate cert) {
    boolean[] usage = cert.getKeyUsage();
    boolean certSign = usage != null && usage.length > 5 && usage[5];
    if (usage != null && !certSign) {
      return false;
    }
    if (cert.getExtensionValue("2.5.29.19") != null) {
      return cert.getBasicConstraints() >= 0;
    }
    return certSign || (cert.getVersion() == 1
        && cert.getSubjectX500Principal().equals(cert.getIssuerX500Principal()));
  }

  private static boolean validAt(X509Certificate cert, Instant at) {
    try {
      cert.checkValidity(Date.from(at));
      return true;
    } catch (java.security.cert.CertificateException e) {
      return false;
    }
  }

  /**
   * The signer's certificate must be valid now, as for every verifier that checks a chain at
   * the time of verification (OpenSSL's default): a signingTime attribute is whatever the
   * signer wrote (RFC 5652 11.3, "purportedly"), so it cannot extend a certificate's life.
   */
  static void checkDates(X509Certificate certificate, String what, Instant at)
      throws SmimeOperationException {
    try {
      certificate.checkValidity(Date.from(at));
    } catch (java.security.cert.CertificateExpiredException e) {
      throw new SmimeOperationException(what + " has expired (not after "
          + certificate.getNotAfter().toInstant() + ")", e);
    } catch (java.security.cert.CertificateNotYetValidException e) {
      throw new SmimeOperationException(what + " is not yet valid (not before "
          + certificate.getNotBefore().toInstant() + ")", e);
    }
  }

  /** RFC 8550 section 4.4: if present, key usage and EKU must allow S/MIME signing. */
  static void checkUsage(X509Certificate signer) throws SmimeOperationException {
    boolean[] ku = signer.getKeyUsage();
    if (ku != null && !ku[0] && !ku[1]) {
      throw new SmimeOperationException("signer certificate key usage does not allow signing");
    }
    try {
      List<String> eku = signer.getExtendedKeyUsage();
      if (eku != null && !eku.contains(EMAIL_PROTECTION) && !eku.contains(ANY_EKU)) {
        throw new SmimeOperationException("signer certificate is not for e-mail protection");
      }
    } catch (java.security.cert.CertificateParsingException e) {
      throw new SmimeOperationException("signer certificate has a malformed EKU", e);
    }
  }

  /** rfc822Name entries of the SAN, then emailAddress attributes of the subject; lower case. */
  static List<String> emails(X509Certificate cert) {
    List<String> emails = new ArrayList<>();
    try {
      var sans = cert.getSubjectAlternativeNames();
      if (sans != null) {
        for (List<?> san : sans) {
          if (((Integer) san.get(0)) == 1) {
            emails.add(((String) san.get(1)).toLowerCase(Locale.ROOT));
          }
        }
      }
    } catch (java.security.cert.CertificateParsingException e) {
      // A malformed SAN gives no addresses; the From check then reports a mismatch.
    }
    X500Name subject = X500Name.getInstance(cert.getSubjectX500Principal().getEncoded());
    for (RDN rdn : subject.getRDNs(BCStyle.EmailAddress)) {
      emails.add(IETFUtils.valueToString(rdn.getFirst().getValue()).toLowerCase(Locale.ROOT));
    }
    return emails.stream().distinct().toList();
  }

  /**
   * The addr-specs of a From (or Sender) field value, lower case; empty when it does not
   * parse. Raw UTF-8 in the field (RFC 6532), which the header parser read byte by byte, is
   * read as UTF-8 again: "bücher" was shown as "bÃ¼cher" (found by a mail trial).
   */
  static List<String> fromAddresses(String from) {
    try {
      return List.of(InternetAddress.parseHeader(utf8(from), false)).stream()
          .map(a -> a.getAddress().toLowerCase(Locale.ROOT)).collect(Collectors.toList());
    } catch (AddressException e) {
      return List.of();
    }
  }

  /**
   * Whether {@code address} is one of {@code emails}, comparing domains in their ASCII form
   * (RFC 5280 section 7.5: a certificate carries an internationalized domain as A-labels, a
   * From may carry it in UTF-8).
   */
  static boolean containsAddress(List<String> emails, String address) {
    String wanted = asciiDomain(address);
    return emails.stream().anyMatch(e -> asciiDomain(e).equals(wanted));
  }

  private static String asciiDomain(String address) {
    int at = address.lastIndexOf('@');
    if (at < 0) {
      return address.toLowerCase(Locale.ROOT);
    }
    // NFC first: "u" and a combining diaeresis is the same name as "ü" (found by a review).
    String domain = java.text.Normalizer.normalize(address.substring(at + 1),
        java.text.Normalizer.Form.NFC).toLowerCase(Locale.ROOT);
    try {
      // java.net.IDN is IDNA2003, whose mapping merges names IDNA2008 keeps apart (straße
      // and strasse, a full-width letter and its ASCII one; found by a review): only a name
      // that comes back unchanged from its A-label form is compared by that form.
      String ascii = java.net.IDN.toASCII(domain, java.net.IDN.ALLOW_UNASSIGNED);
      if (java.net.IDN.toUnicode(ascii, java.net.IDN.ALLOW_UNASSIGNED).equals(domain)) {
        domain = ascii.toLowerCase(Locale.ROOT);
      }
    } catch (IllegalArgumentException notAName) {
      // Compared as written: it then matches only itself.
    }
    return address.substring(0, at + 1).toLowerCase(Locale.ROOT) + domain;
  }

  private static String utf8(String latin1) {
    if (latin1.chars().allMatch(c -> c < 0x80)) {
      return latin1;
    }
    try {
      return java.nio.charset.StandardCharsets.UTF_8.newDecoder()
          .decode(java.nio.ByteBuffer.wrap(latin1.getBytes(
              java.nio.charset.StandardCharsets.ISO_8859_1))).toString();
    } catch (java.nio.charset.CharacterCodingException | RuntimeException notUtf8) {
      return latin1;
    }
  }

  static String subject(X509Certificate cert) {
    // RFC 2253 would print emailAddress as a hex OID; name it so people can read it.
    return cert.getSubjectX500Principal().getName(X500Principal.RFC2253,
        java.util.Map.of("1.2.840.113549.1.9.1", "EMAILADDRESS"));
  }

  private static String oneLine(String s) {
    return s == null ? "no reason given" : s.replaceAll("\\s+", " ").strip();
  }
}
