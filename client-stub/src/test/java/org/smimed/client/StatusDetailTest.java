package org.smimed.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import java.net.ConnectException;
import java.security.cert.CertificateException;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;

/**
 * Transport failures as a person reads them. The chains are those grpc-java's Netty transport
 * gives (seen against a real daemon: SmimeCliIT covers the untrusted CA end to end).
 */
class StatusDetailTest {
  private static Status handshake(Throwable reason) {
    return Status.UNAVAILABLE.withDescription("io exception").withCause(
        new SSLHandshakeException("General OpenSslEngine problem").initCause(reason));
  }

  @Test
  void serverNotIssuedByTheTrustedCa_saysSoAndNamesTheOption() {
    Status status = handshake(new CertificateException("PKIX path building failed:"
        + " unable to find valid certification path to requested target"));

    assertThat(StatusDetail.of(status)).isEqualTo("TLS handshake failed: the daemon's"
        + " certificate is not issued by a CA you trust (the trusted CA, --ca, must be the one"
        + " that issued the daemon's server certificate)");
  }

  @Test
  void hostNotInTheServerCertificate_saysSoWithTheLibrarysReason() {
    Status status = handshake(new CertificateException("No subject alternative DNS name"
        + " matching vm found for SNIHostName=null",
        new CertificateException("No subject alternative DNS name matching vm found.")));

    assertThat(StatusDetail.of(status)).isEqualTo("TLS handshake failed: the daemon's"
        + " certificate does not name the host in --target (No subject alternative DNS name"
        + " matching vm found.); connect by a name or address the certificate lists");
  }

  @Test
  void otherHandshakeFailure_givesTheInnermostReason() {
    Status status = handshake(new SSLHandshakeException("Received fatal alert:"
        + " protocol_version"));

    assertThat(StatusDetail.of(status))
        .isEqualTo("TLS handshake failed: Received fatal alert: protocol_version");
  }

  @Test
  void refusedConnection_keepsTheTransportsWords() {
    Status status = Status.UNAVAILABLE.withDescription("io exception").withCause(
        new ConnectException("Connection refused: localhost/127.0.0.1:8443"));

    assertThat(StatusDetail.of(status))
        .isEqualTo("io exception: Connection refused: localhost/127.0.0.1:8443");
  }

  /** Found by a client trial: a service logging getMessage() lost the transport's words. */
  @Test
  void theExceptionsMessage_carriesTheTransportsWordsToo() {
    Status refused = Status.UNAVAILABLE.withDescription("io exception").withCause(
        new ConnectException("Connection refused: localhost/127.0.0.1:8443"));

    assertThat(new SmimeClientException(refused)).hasMessage("UNAVAILABLE: io exception:"
        + " Connection refused: localhost/127.0.0.1:8443");
    assertThat(new SmimeClientException(Status.NOT_FOUND.withDescription("unknown identity"
        + " 'x@y.example'"))).hasMessage("NOT_FOUND: unknown identity 'x@y.example'");
  }
}
