package org.smimed.client.mime;

import org.smimed.client.DecryptResult;
import org.smimed.client.SignResult;
import org.smimed.client.SignatureScheme;
import org.smimed.client.SigningRequest;
import org.smimed.client.SmimeClient;
import org.smimed.client.SmimeClientException;
import org.smimed.client.StreamSigningRequest;

/**
 * The private-key steps of the MIME classes, done by the daemon through a {@link SmimeClient}:
 * what {@link SignedMessageWriter}, {@link MessageOpener} and {@link EncryptedMessageReader}
 * take, so a service assembles S/MIME as the {@code smime} CLI does. Found by a client trial:
 * every integrator wrote these three adapters (the CLI's were package-private).
 *
 * <pre>{@code
 * DaemonSteps steps = new DaemonSteps(client);
 * SignedDataSigner signer = steps.signer("billing@example.com", null);
 * CmsDecryptor decryptor = steps.decryptor(null);
 * }</pre>
 *
 * <p>Guarantee: a daemon error becomes one {@link SmimeOperationException} made by the
 * {@link Failures} given (by default "signing failed (CODE: detail; request id …)").
 */
public final class DaemonSteps {
  /** How a daemon error becomes the exception the MIME classes throw. */
  @FunctionalInterface
  public interface Failures {
    /** {@code what}: "signing failed" or "decryption failed". */
    SmimeOperationException of(String what, SmimeClientException e);
  }

  private final SmimeClient client;
  private final Failures failures;

  /** Steps through {@code client}, failures as "what (CODE: detail; request id …)". */
  public DaemonSteps(SmimeClient client) {
    this(client, DaemonSteps::plain);
  }

  public DaemonSteps(SmimeClient client, Failures failures) {
    this.client = client;
    this.failures = failures;
  }

  /**
   * Signs as {@code identity} (content or digest, as the writer asks) with {@code scheme}, or
   * the key's default scheme when null.
   */
  public SignedDataSigner signer(String identity, SignatureScheme scheme) {
    return payload -> {
      SigningRequest request = (payload.content() != null
          ? SigningRequest.ofContent(identity, payload.content(), payload.encapsulate(),
              payload.hash())
          : SigningRequest.ofDigest(identity, payload.hash(), payload.digest()))
          .withSignatureScheme(scheme);
      try {
        SignResult r = client.sign(request);
        return new SignedDataSigner.Result(r.signedData(), r.micalg());
      } catch (SmimeClientException e) {
        throw failures.of("signing failed", e);
      }
    };
  }

  /** Signs with the content streamed to the daemon (SignStream), in bounded memory. */
  public ContentStreamSigner streamSigner(String identity, SignatureScheme scheme) {
    return (hash, encapsulate, content, encapsulated) -> {
      try {
        SignResult r = client.signStream(
            new StreamSigningRequest(identity, encapsulate, scheme, hash), content,
            encapsulated);
        return new SignedDataSigner.Result(r.signedData(), r.micalg());
      } catch (SmimeClientException e) {
        throw failures.of("signing failed", e);
      }
    };
  }

  /** Decrypts with {@code identityOrNull}'s keys, or any the caller may use when null. */
  public CmsDecryptor decryptor(String identityOrNull) {
    return (cms, plaintext) -> {
      try {
        DecryptResult r = client.decrypt(identityOrNull, cms, plaintext);
        return new DecryptionReport(r.identity(), r.keyVersion(), r.contentEncryptionOid());
      } catch (SmimeClientException e) {
        throw failures.of("decryption failed", e);
      }
    };
  }

  private static SmimeOperationException plain(String what, SmimeClientException e) {
    return new SmimeOperationException(what + " (" + e.code() + (e.detail().isBlank() ? ""
        : ": " + e.detail()) + e.requestId().map(r -> "; request id " + r).orElse("") + ")", e);
  }
}
