package org.smimed.client.mime;

import java.security.Provider;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.cms.CMSObjectIdentifiers;
import org.bouncycastle.asn1.cms.ContentInfo;
import org.bouncycastle.asn1.cms.SignedData;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509CertificateHolder;
import org.bouncycastle.cms.CMSException;
import org.bouncycastle.cms.CMSProcessableByteArray;
import org.bouncycastle.cms.CMSSignedData;
import org.bouncycastle.cms.SignerInformation;
import org.bouncycastle.cms.jcajce.JcaSimpleSignerInfoVerifierBuilder;
import org.bouncycastle.operator.OperatorCreationException;

/**
 * Verifies signed S/MIME messages locally against configured trust anchors.
 *
 * <p>Guarantees: a {@link Verification} is returned only when the message has at least one
 * signer, every signature matches the content, and every signer's certificate is valid for
 * S/MIME and chains to a trust anchor at the clock's current time (PKIX, revocation off; see
 * {@link SignerCertificates}); otherwise one {@link SmimeOperationException} names the reason.
 */
public final class SignedMessageVerifier {
  /** CMS content types a signed message may be mistaken for, named for messages. */
  private static final java.util.Map<ASN1ObjectIdentifier, String> CMS_TYPES = java.util.Map.of(
      CMSObjectIdentifiers.envelopedData, "enveloped-data",
      CMSObjectIdentifiers.authEnvelopedData, "authEnveloped-data",
      CMSObjectIdentifiers.compressedData, "compressed-data",
      CMSObjectIdentifiers.data, "data");

  private final Provider provider;
  private final Set<TrustAnchor> anchors;
  private final SenderCheck senderCheck;
  private final Clock clock;
  private final VerifyLimits limits;
  private final Asn1Guard guard;
  /** Certificates given beside the message (--certfile), searched after its own. */
  private final List<X509Certificate> extra;

  /** @param provider a Bouncy Castle provider instance, used explicitly (never registered) */
  public SignedMessageVerifier(Provider provider, List<X509Certificate> trustAnchors,
      SenderCheck senderCheck, Clock clock) {
    this(provider, trustAnchors, senderCheck, clock, VerifyLimits.DEFAULTS);
  }

  /** As above, refusing messages beyond {@code limits} before their signatures are checked. */
  public SignedMessageVerifier(Provider provider, List<X509Certificate> trustAnchors,
      SenderCheck senderCheck, Clock clock, VerifyLimits limits) {
    this.limits = limits;
    this.guard = new Asn1Guard(limits.maxAsn1Depth(), limits.maxIndefiniteLengths());
    if (trustAnchors.isEmpty()) {
      throw new IllegalArgumentException("at least one trust anchor is required");
    }
    this.provider = provider;
    this.anchors = trustAnchors.stream().map(c -> new TrustAnchor(c, null))
        .collect(Collectors.toUnmodifiableSet());
    this.senderCheck = senderCheck;
    this.clock = clock;
    this.extra = List.of();
  }

  private SignedMessageVerifier(SignedMessageVerifier base, List<X509Certificate> extra) {
    this.provider = base.provider;
    this.anchors = base.anchors;
    this.senderCheck = base.senderCheck;
    this.clock = base.clock;
    this.limits = base.limits;
    this.guard = base.guard;
    this.extra = List.copyOf(extra);
  }

  /**
   * This verifier, also looking for the signer's certificate and its issuers among
   * {@code certificates} (as {@code openssl cms -verify -certfile}): for messages signed
   * without certificates ({@code -nocerts}), or whose chain lacks an intermediate. They are
   * candidates only: the chain must still end at a trust anchor.
   */
  public SignedMessageVerifier withCertificates(List<X509Certificate> certificates) {
    return new SignedMessageVerifier(this, certificates);
  }

  public Verification verify(byte[] message) throws SmimeOperationException {
    return verify(message, Optional.empty());
  }

  /**
   * As {@link #verify(byte[])} for a signed layer inside others: {@code outerFrom} is the From
   * of the message as its reader sees it (the outermost headers). The sender check compares
   * the signer with it too, so that a message whose outer From names someone else cannot
   * pass off a signature made inside it by another sender (sign, then encrypt: the headers are
   * outside, the signature within).
   */
  public Verification verify(byte[] message, Optional<String> outerFrom)
      throws SmimeOperationException {
    return verify(message, outerFrom, Optional.empty());
  }

  /** As {@link #verify(byte[], Optional)}, with the outermost headers' Sender too. */
  public Verification verify(byte[] message, Optional<String> outerFrom,
      Optional<String> outerSender) throws SmimeOperationException {
    return verify(SignedMessage.parse(message), outerFrom, outerSender, false);
  }

  /**
   * Verifies a detached signature given alone (a .p7s file: DER/BER, PEM or bare base64 CMS)
   * over {@code content}, byte for byte as given, as
   * {@code openssl cms -verify -content} does. A signature that carries its own content, or a
   * whole multipart/signed, is refused: its content is already there.
   */
  public Verification verifyDetached(byte[] signature, byte[] content)
      throws SmimeOperationException {
    SignedMessage parsed = SignedMessage.parse(signature);
    if (parsed.content() != null) {
      throw new SmimeOperationException("a multipart/signed message carries its content:"
          + " verify it without --content");
    }
    return verify(new SignedMessage(content, parsed.cms(), parsed.from(), parsed.sender()),
        Optional.empty(), Optional.empty(), true);
  }

  /** @param contentGiven the content came beside a bare signature ({@link #verifyDetached}) */
  private Verification verify(SignedMessage parsed, Optional<String> outerFrom,
      Optional<String> outerSender, boolean contentGiven) throws SmimeOperationException {
    guard.check(parsed.cms());
    try {
      requireSignedData(parsed.cms());
      CMSSignedData sd = parsed.content() == null
          ? new CMSSignedData(parsed.cms())
          : new CMSSignedData(new CMSProcessableByteArray(parsed.content()), parsed.cms());
      if (contentGiven && SignedData.getInstance(sd.toASN1Structure().getContent())
          .getEncapContentInfo().getContent() != null) {
        throw new SmimeOperationException("the signature carries its content"
            + " (encapsulated): verify it without --content");
      }
      if (sd.getSignedContent() == null) {
        throw new SmimeOperationException("signed-data without content: a detached"
            + " signature, verified with the content it signs (smime verify --content)");
      }
      Collection<X509CertificateHolder> holders = sd.getCertificates().getMatches(null);
      if (holders.size() > limits.maxCertificates()) {
        throw new SmimeOperationException("signed-data carries " + holders.size()
            + " certificates, more than the limit of " + limits.maxCertificates()
            + " (VerifyLimits.maxCertificates)");
      }
      if (sd.getSignerInfos().size() > limits.maxSigners()) {
        throw new SmimeOperationException("signed-data has " + sd.getSignerInfos().size()
            + " signers, more than the limit of " + limits.maxSigners()
            + " (VerifyLimits.maxSigners)");
      }
      List<X509Certificate> certs = new ArrayList<>(certificates(holders));
      certs.addAll(extra);
      List<SignerInformation> signers = new ArrayList<>(sd.getSignerInfos().getSigners());
      if (signers.isEmpty()) {
        throw new SmimeOperationException("message has no signer");
      }
      // Every signer must verify and chain to a trust anchor (as openssl cms -verify asks):
      // a second signature by an untrusted key passed when only the first was validated.
      List<X509Certificate> signerCerts = new ArrayList<>();
      for (int i = 0; i < signers.size(); i++) {
        signerCerts.add(verifySignature(sd, signers.get(i), i, signers.size()));
      }
      for (int i = 0; i < signerCerts.size(); i++) {
        checkSigner(signerCerts.get(i), certs, i, signerCerts.size());
      }
      // The signer reported and compared with From: the author's signature, wherever a DER
      // SET put it among the others (OpenSSL sorts them by encoding).
      int shown = author(signerCerts, outerFrom.or(parsed::from));
      X509Certificate signerCert = signerCerts.get(shown);
      SignerInformation signer = signers.get(shown);
      List<String> emails = SignerCertificates.emails(signerCert);
      // Every From mailbox must be a signer's: with several signers, any of them (each chain
      // was validated above), so mail by two authors signed by both passes.
      List<String> signersEmails = signerCerts.stream().flatMap(c -> SignerCertificates
          .emails(c).stream()).distinct().toList();
      List<String> warnings = new ArrayList<>(senderCheck.check(parsed.from(), parsed.sender(),
          signersEmails));
      List<Verification.Signer> others = new ArrayList<>();
      for (int i = 0; i < signers.size(); i++) {
        // Every signer's digest is judged, and every signer is reported: a second signature
        // was checked but left unsaid (found with CryptoSys's two-signer example).
        String name = signers.size() == 1 ? ""
            : "signer " + (i + 1) + " of " + signers.size() + " ("
                + SignerCertificates.subject(signerCerts.get(i)) + "): ";
        SignerInfos.weakDigest(signers.get(i)).ifPresent(w -> warnings.add(name + w));
        if (i != shown) {
          SignerInformation other = signers.get(i);
          others.add(new Verification.Signer(SignerCertificates.subject(signerCerts.get(i)),
              SignerCertificates.emails(signerCerts.get(i)), SignerInfos.signingTime(other),
              SignerInfos.digestName(other)));
        }
      }
      if (outerFrom.isPresent() && !outerFrom.equals(parsed.from())) {
        warnings.addAll(senderCheck.check(outerFrom, outerSender, signersEmails));
      }
      byte[] content = parsed.content() != null
          ? parsed.content() : (byte[]) sd.getSignedContent().getContent();
      return new Verification(content, SignerCertificates.subject(signerCert), emails,
          SignerInfos.signingTime(signer), SignerInfos.digestName(signer), warnings, others);
    } catch (CMSException e) {
      throw new SmimeOperationException("malformed signature (" + e.getMessage() + ")", e);
    } catch (RuntimeException e) {
      // Found by fuzzing: Bouncy Castle reports some malformed structures (bad tags, impossible
      // keys) with unchecked exceptions; for hostile input they mean "malformed", nothing more.
      throw new SmimeOperationException("malformed signature (" + e.getClass().getSimpleName()
          + ")", e);
    }
  }

  /**
   * A CMS of another type, such as a saved encrypted .p7m, is named rather than reported as a
   * malformed signature.
   */
  private static void requireSignedData(byte[] cms) throws SmimeOperationException {
    ASN1ObjectIdentifier type = ContentInfo.getInstance(cms).getContentType();
    if (!type.equals(CMSObjectIdentifiers.signedData)) {
      String name = CMS_TYPES.getOrDefault(type, type.getId());
      throw new SmimeOperationException("not a signed message: the CMS is " + name);
    }
  }

  /** The index of the first signer whose addresses include From's first mailbox, else 0. */
  private static int author(List<X509Certificate> signerCerts, Optional<String> from) {
    List<String> mailboxes = from.map(SignerCertificates::fromAddresses).orElse(List.of());
    if (mailboxes.isEmpty()) {
      return 0;
    }
    for (int i = 0; i < signerCerts.size(); i++) {
      if (SignerCertificates.containsAddress(SignerCertificates.emails(signerCerts.get(i)),
          mailboxes.get(0))) {
        return i;
      }
    }
    return 0;
  }

  private void checkSigner(X509Certificate cert, List<X509Certificate> certs, int index,
      int count) throws SmimeOperationException {
    try {
      SignerCertificates.checkDates(cert, "signer certificate", clock.instant());
      SignerCertificates.checkUsage(cert);
      SignerCertificates.validatePath(cert, certs, anchors, clock.instant());
    } catch (SmimeOperationException e) {
      if (count == 1) {
        throw e;
      }
      throw new SmimeOperationException("signer " + (index + 1) + " of " + count + " ("
          + SignerCertificates.subject(cert) + "): " + e.getMessage(), e);
    }
  }

  /**
   * The certificate of signer {@code index} (of {@code count}) whose signature matches the
   * content; with several signers, a failure says which (by its identifier, as its
   * certificate may be the thing missing).
   */
  private X509Certificate verifySignature(CMSSignedData sd, SignerInformation signer, int index,
      int count) throws SmimeOperationException, CMSException {
    try {
      return verifySignature(sd, signer);
    } catch (SmimeOperationException e) {
      if (count == 1) {
        throw e;
      }
      throw new SmimeOperationException("signer " + (index + 1) + " of " + count + " ("
          + SignerInfos.identifier(signer) + "): " + e.getMessage(), e);
    }
  }

  private X509Certificate verifySignature(CMSSignedData sd, SignerInformation signer)
      throws SmimeOperationException, CMSException {
    @SuppressWarnings("unchecked")
    Collection<X509CertificateHolder> matches = sd.getCertificates().getMatches(signer.getSID());
    if (matches.isEmpty()) {
      matches = extraMatching(signer);
    }
    if (matches.isEmpty()) {
      throw new SmimeOperationException("signer certificate is not in the message"
          + (extra.isEmpty() ? " (give it with --certfile)" : " nor in --certfile"));
    }
    try {
      X509Certificate cert = new JcaX509CertificateConverter().getCertificate(
          matches.iterator().next());
      // By the public key: Bouncy Castle would also judge the certificate's dates at the
      // signingTime the signer wrote, and report an expired one as a content mismatch.
      // The dates are checked in checkSigner, at the time of verification.
      boolean ok = signer.verify(new JcaSimpleSignerInfoVerifierBuilder()
          .setProvider(provider).build(cert.getPublicKey()));
      if (!ok) {
        throw new SmimeOperationException("signature does not match the content");
      }
      return cert;
    } catch (CMSException e) {
      // BC reports a wrong messageDigest as an exception rather than false.
      throw new SmimeOperationException("signature does not match the content", e);
    } catch (CertificateException | OperatorCreationException e) {
      throw new SmimeOperationException("cannot use signer certificate", e);
    }
  }

  private List<X509CertificateHolder> extraMatching(SignerInformation signer)
      throws SmimeOperationException {
    List<X509CertificateHolder> found = new ArrayList<>();
    try {
      for (X509Certificate c : extra) {
        X509CertificateHolder holder = new JcaX509CertificateHolder(c);
        if (signer.getSID().match(holder)) {
          found.add(holder);
        }
      }
    } catch (CertificateEncodingException e) {
      throw new SmimeOperationException("cannot use a --certfile certificate", e);
    }
    return found;
  }

  private static List<X509Certificate> certificates(Collection<X509CertificateHolder> holders)
      throws SmimeOperationException {
    List<X509Certificate> certs = new ArrayList<>();
    try {
      for (X509CertificateHolder h : holders) {
        certs.add(new JcaX509CertificateConverter().getCertificate(h));
      }
    } catch (CertificateException e) {
      throw new SmimeOperationException("malformed certificate in the message", e);
    }
    return certs;
  }

}
