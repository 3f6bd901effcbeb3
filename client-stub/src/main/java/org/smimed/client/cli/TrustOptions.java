package org.smimed.client.cli;

import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.smimed.client.mime.Certificates;
import org.smimed.client.mime.SenderCheck;
import org.smimed.client.mime.SignedMessageVerifier;
import org.smimed.client.mime.SmimeOperationException;
import picocli.CommandLine.Option;

/** What signatures are checked against, for the commands that verify: verify and open. */
final class TrustOptions {
  @Option(names = "--trust", required = true, paramLabel = "CA.pem",
      description = "Trusted CA certificate(s); repeat for several files.")
  List<Path> trust;

  @Option(names = "--certfile", paramLabel = "CERTS.pem",
      description = "More certificates to look for the signer's certificate and its issuers"
          + " in, as openssl -certfile: for messages signed without certificates (-nocerts)."
          + " Not trusted for being here: the chain must still end at a --trust CA.")
  List<Path> certfiles = List.of();

  /** A verifier trusting the --trust CAs, with the --certfile certificates to build from. */
  SignedMessageVerifier verifier(SenderCheck senderCheck, Clock clock)
      throws SmimeOperationException {
    return new SignedMessageVerifier(new BouncyCastleProvider(), Certificates.readAll(trust),
        senderCheck, clock).withCertificates(Certificates.readAll(certfiles));
  }
}
