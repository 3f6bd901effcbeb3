package org.smimed.client.mime;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.RSAESOAEPparams;
import org.bouncycastle.asn1.smime.SMIMECapability;

/**
 * Chooses the content-encryption algorithm from the recipients' SMIMECapabilities
 * (RFC 8551 section 2.7.1).
 *
 * <p>Guarantees: the choice is the first algorithm in the preference order of the first
 * recipient whose capabilities are known that every recipient with known capabilities lists
 * and that {@link ContentCipher} supports (rule 1). Recipients without known capabilities
 * constrain nothing: they are presumed to be S/MIME 4.0 agents, which read AES-256-GCM
 * (rule 2). When nothing is known, or the known lists share no supported algorithm, the choice
 * is AES-256-GCM and {@link Choice#basis()} says why. Pure: no I/O, no randomness.
 */
public final class CipherSelection {
  /** RFC 8551 section 2.7.1.2: what to send when the recipient's capabilities are unknown. */
  public static final ContentCipher DEFAULT = ContentCipher.AES256_GCM;

  /** Why a cipher was chosen. */
  public enum Basis {
    /** Every recipient with known capabilities lists it, first in preference order. */
    CAPABILITIES,
    /** No recipient's capabilities are known. */
    UNKNOWN_CAPABILITIES,
    /** The known capabilities share no algorithm we support. */
    NO_COMMON_ALGORITHM
  }

  /** The chosen cipher and the reason. */
  public record Choice(ContentCipher cipher, Basis basis) {}

  private CipherSelection() {}

  /**
   * @param capabilities one entry per recipient: its DER SMIMECapabilities, or an empty
   *     optional (or an empty array) when unknown
   * @throws SmimeOperationException when a known SMIMECapabilities value is not valid DER
   */
  public static Choice choose(List<Optional<byte[]>> capabilities)
      throws SmimeOperationException {
    List<List<ContentCipher>> known = new ArrayList<>();
    for (Optional<byte[]> c : capabilities) {
      if (c.isPresent() && c.get().length > 0) {
        known.add(supported(c.get()));
      }
    }
    if (known.isEmpty()) {
      return new Choice(DEFAULT, Basis.UNKNOWN_CAPABILITIES);
    }
    for (ContentCipher candidate : known.get(0)) {
      if (known.stream().allMatch(list -> list.contains(candidate))) {
        return new Choice(candidate, Basis.CAPABILITIES);
      }
    }
    return new Choice(DEFAULT, Basis.NO_COMMON_ALGORITHM);
  }

  /**
   * The key transport to RSA recipients when none was asked for: RSAES-OAEP when every one of
   * them announces it in its SMIMECapabilities with one hash this client has (RFC 3560
   * section 5; absent parameters are RFC 3560's SHA-1 defaults), else PKCS#1 v1.5, which every
   * agent reads: a recipient whose capabilities are unknown, or who does not announce OAEP,
   * may not read it. Only OAEP with MGF1 over the same hash and the empty label counts.
   *
   * @param rsaRecipients one entry per RSA recipient, as for {@link #choose}
   * @throws SmimeOperationException when a known SMIMECapabilities value is not valid DER
   */
  public static RsaKeyTransport keyTransport(List<Optional<byte[]>> rsaRecipients)
      throws SmimeOperationException {
    Set<RsaKeyTransport> announced = new LinkedHashSet<>();
    for (Optional<byte[]> c : rsaRecipients) {
      Optional<RsaKeyTransport> oaep = c.isPresent() && c.get().length > 0
          ? announcedOaep(c.get()) : Optional.empty();
      if (oaep.isEmpty()) {
        return RsaKeyTransport.PKCS1_V1_5;
      }
      announced.add(oaep.get());
    }
    return announced.size() == 1 ? announced.iterator().next() : RsaKeyTransport.PKCS1_V1_5;
  }

  /**
   * The first OAEP announcement this client can send to; parameters it cannot read count as
   * no announcement (PKCS#1 v1.5 is sent, as before), never as a failed encryption (a review).
   */
  private static Optional<RsaKeyTransport> announcedOaep(byte[] der)
      throws SmimeOperationException {
    ASN1Sequence seq;
    try {
      seq = ASN1Sequence.getInstance(ASN1Primitive.fromByteArray(der));
    } catch (java.io.IOException | IllegalArgumentException e) {
      throw new SmimeOperationException("malformed SMIMECapabilities", e);
    }
    for (int i = 0; i < seq.size(); i++) {
      try {
        SMIMECapability capability = SMIMECapability.getInstance(seq.getObjectAt(i));
        if (capability.getCapabilityID().equals(PKCSObjectIdentifiers.id_RSAES_OAEP)) {
          Optional<RsaKeyTransport> known = RsaKeyTransport.of(
              capability.getParameters() == null ? new RSAESOAEPparams()
                  : RSAESOAEPparams.getInstance(capability.getParameters()));
          if (known.isPresent()) {
            return known;
          }
        }
      } catch (RuntimeException unreadable) {
        // An entry this client cannot read says nothing it can act on: the next one may.
      }
    }
    return Optional.empty();
  }

  /** The ciphers we support among {@code der}'s capabilities, in the recipient's order. */
  static List<ContentCipher> supported(byte[] der) throws SmimeOperationException {
    Set<ContentCipher> ciphers = new LinkedHashSet<>();
    try {
      ASN1Sequence seq = ASN1Sequence.getInstance(ASN1Primitive.fromByteArray(der));
      for (int i = 0; i < seq.size(); i++) {
        SMIMECapability capability = SMIMECapability.getInstance(seq.getObjectAt(i));
        ContentCipher.fromOid(capability.getCapabilityID().getId()).ifPresent(ciphers::add);
      }
    } catch (java.io.IOException | IllegalArgumentException e) {
      throw new SmimeOperationException("malformed SMIMECapabilities", e);
    }
    return List.copyOf(ciphers);
  }
}
