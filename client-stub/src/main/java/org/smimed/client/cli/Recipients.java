package org.smimed.client.cli;

import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.smimed.client.IdentityInfo;
import org.smimed.client.SmimeClient;
import org.smimed.client.SmimeClientException;
import org.smimed.client.mime.Certificates;
import org.smimed.client.mime.SmimeOperationException;

/**
 * Finds the recipients of an encryption: certificate files, identities in the daemon's
 * directory, and what is known of each one's SMIMECapabilities.
 *
 * <p>Guarantees: a --recipient-identity the daemon does not know is an error; a certificate
 * file's capabilities are looked up only when asked, by the certificate's first e-mail
 * address, and an address the daemon does not know simply leaves them unknown; any other
 * directory failure is an error naming the gRPC status.
 */
final class Recipients {
  /** One recipient: its certificate and its DER SMIMECapabilities when known. */
  /**
   * @param capabilities what the recipient announced, if known
   * @param ownKey whether {@code capabilities} were announced for this very certificate's key,
   *     not only for its address: only then do they say how to reach the key (RSA-OAEP), a
   *     review found; the content cipher follows the address's either way
   */
  record Recipient(X509Certificate certificate, Optional<byte[]> capabilities, boolean ownKey) {

    /** {@link #capabilities} if they are this key's, for the key transport. */
    Optional<byte[]> keyCapabilities() {
      return ownKey ? capabilities : Optional.empty();
    }
  }

  private Recipients() {}

  /**
   * @param client the daemon, or null when neither identities nor capabilities are wanted
   */
  static List<Recipient> resolve(List<Path> files, List<String> identities,
      boolean capabilitiesFromDaemon, SmimeClient client) throws SmimeOperationException {
    List<Recipient> all = new ArrayList<>();
    for (X509Certificate cert : Certificates.readAll(files)) {
      Optional<IdentityInfo> info = capabilitiesFromDaemon ? identityOf(cert, client)
          : Optional.empty();
      all.add(new Recipient(cert, info.map(IdentityInfo::smimeCapabilities),
          info.filter(i -> isItsCertificate(i, cert)).isPresent()));
    }
    for (String identity : identities) {
      IdentityInfo info = lookup(client, identity)
          .orElseThrow(() -> new SmimeOperationException("recipient identity " + identity
              + " is not known to the daemon"));
      if (info.encryptionCertificateChain().isEmpty()) {
        throw new SmimeOperationException("recipient identity " + identity + " has no key that"
            + " mail may be encrypted to (no ACTIVE decrypting version with a valid"
            + " certificate)");
      }
      all.add(new Recipient(Certificates.fromDer(info.encryptionCertificateChain().get(0)),
          Optional.of(info.smimeCapabilities()), true));
    }
    return all;
  }

  private static Optional<IdentityInfo> identityOf(X509Certificate cert, SmimeClient client)
      throws SmimeOperationException {
    List<String> emails = Certificates.emails(cert);
    if (emails.isEmpty()) {
      return Optional.empty();
    }
    return lookup(client, emails.get(0));
  }

  /** Whether {@code cert} is the certificate {@code info} gives mail to be encrypted to. */
  private static boolean isItsCertificate(IdentityInfo info, X509Certificate cert) {
    try {
      return !info.encryptionCertificateChain().isEmpty() && java.util.Arrays.equals(
          info.encryptionCertificateChain().get(0), cert.getEncoded());
    } catch (java.security.cert.CertificateEncodingException e) {
      return false;
    }
  }

  private static Optional<IdentityInfo> lookup(SmimeClient client, String identity)
      throws SmimeOperationException {
    try {
      return Optional.of(client.getIdentity(identity));
    } catch (SmimeClientException e) {
      if (e.code() == io.grpc.Status.Code.NOT_FOUND) {
        return Optional.empty();
      }
      throw DaemonOperations.failure("directory lookup of " + identity + " failed", e);
    }
  }
}
