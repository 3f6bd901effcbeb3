package org.smimed.client;

import com.google.protobuf.ByteString;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.SequenceInputStream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.smimed.api.v1.DecryptionServiceGrpc;
import org.smimed.api.v1.DigestAlgorithm;
import org.smimed.api.v1.DirectoryServiceGrpc;
import org.smimed.api.v1.ErrorReason;
import org.smimed.api.v1.GetIdentityRequest;
import org.smimed.api.v1.Identity;
import org.smimed.api.v1.ListIdentitiesRequest;
import org.smimed.api.v1.SignResponse;
import org.smimed.api.v1.SignatureAlgorithm;
import org.smimed.api.v1.SigningServiceGrpc;

/**
 * Java client for the smimed daemon: signing, streaming decryption and the identity directory.
 *
 * <p>Guarantees: the client never owns or shuts down the {@link Channel} it is given; it is
 * thread-safe and holds no state beyond the channel and the deadline; decryption runs in bounded
 * memory (256 KiB request chunks under gRPC flow control, at most a few response messages
 * queued); every failure from the daemon or the transport surfaces as a
 * {@link SmimeClientException} carrying the gRPC status code and description.
 */
public final class SmimeClient {
  /**
   * A message that ends within this many bytes is decrypted in one DecryptMessage call by
   * {@link #decrypt(String, InputStream, OutputStream)}; longer ones stream.
   */
  static final int WHOLE_MESSAGE_BYTES = 64 * 1024;

  private final Channel channel;
  private final Duration deadline;

  /**
   * A client that sets no deadline of its own: a channel from {@link Channels} still has the
   * service config's timeouts (30 s for signing and directory calls, 300 s for decryption:
   * {@link ServiceConfig});
   * another channel has only what it was built with.
   */
  public SmimeClient(Channel channel) {
    this(channel, null);
  }

  /**
   * A client whose every call must finish within {@code deadline} — streamed ones too: a
   * {@link #decrypt} or {@link #signStream} of a large message takes as long as its bytes take
   * to cross (about 10 s for 50 MB on a small machine), so a client for large messages wants a
   * longer deadline, or none (a channel from {@link Channels} then allows 30 s for sign,
   * signBatch and the directory calls, 300 s for decrypt, decryptMessage and signStream).
   *
   * @param deadline per-call deadline, or null for none
   */
  public SmimeClient(Channel channel, Duration deadline) {
    if (channel == null) {
      throw new IllegalArgumentException("channel is required");
    }
    if (deadline != null && (deadline.isNegative() || deadline.isZero())) {
      throw new IllegalArgumentException("deadline must be positive");
    }
    this.channel = channel;
    this.deadline = deadline;
  }

  /**
   * Signs content or a client-computed digest as one identity. Content of more than 4 MiB is
   * refused here (INVALID_ARGUMENT), as gRPC would refuse its request: stream it with
   * {@link #signStream}, or send its digest.
   */
  public SignResult sign(SigningRequest request) throws SmimeClientException {
    refuseOverUnaryLimit(request.contentLength(), "content", "signStream, or send its digest");
    try {
      SignResponse r = withDeadline(SigningServiceGrpc.newBlockingStub(channel))
          .sign(toProto(request));
      return new SignResult(r.getSignedData().toByteArray(), r.getCertificate().toByteArray(),
          r.getKeyVersion(), r.getMicalg());
    } catch (StatusRuntimeException e) {
      throw SmimeClientException.from(e);
    }
  }

  /**
   * Signs many client-computed digests (all {@code algorithm}) as one identity in one call;
   * the daemon signs them in parallel. Returns one detached SignedData per digest, in order.
   */
  public List<SignResult> signBatch(String identity, HashAlgorithm algorithm,
      List<byte[]> digests) throws SmimeClientException {
    if (identity == null || algorithm == null || digests == null) {
      throw new IllegalArgumentException("identity, algorithm and digests are required");
    }
    var request = org.smimed.api.v1.SignBatchRequest.newBuilder().setIdentity(identity);
    for (byte[] digest : digests) {
      request.addDigests(org.smimed.api.v1.Digest.newBuilder().setAlgorithm(toProto(algorithm))
          .setValue(ByteString.copyFrom(digest)));
    }
    try {
      var r = withDeadline(SigningServiceGrpc.newBlockingStub(channel)).signBatch(request.build());
      byte[] certificate = r.getCertificate().toByteArray();
      return r.getSignedDataList().stream().map(d -> new SignResult(d.toByteArray(),
          certificate, r.getKeyVersion(), r.getMicalg())).toList();
    } catch (StatusRuntimeException e) {
      throw SmimeClientException.from(e);
    }
  }

  /**
   * Decrypts a CMS EnvelopedData or AuthEnvelopedData (DER or BER) read from {@code cms} and
   * writes the plaintext to {@code plaintext}. A message that ends within its first 64 KiB (most
   * mail) goes in one DecryptMessage call and its plaintext is written once the daemon has
   * answered OK; a longer one is streamed (Decrypt) in bounded memory and its plaintext written
   * as it arrives. Either way, only a return means all plaintext was delivered. The streams are
   * not closed.
   *
   * @param identityOrNull restrict decryption to this identity's keys, or null for any
   * @throws IOException when reading {@code cms} or writing {@code plaintext} fails (the call is
   *     cancelled)
   */
  public DecryptResult decrypt(String identityOrNull, InputStream cms, OutputStream plaintext)
      throws SmimeClientException, IOException {
    // Most mail is a few KiB: a message that ends within its first 64 KiB goes in one
    // DecryptMessage call (one request, one response, the plaintext written only after OK),
    // anything longer streams from the bytes already read on.
    byte[] head = cms.readNBytes(WHOLE_MESSAGE_BYTES + 1);
    if (head.length > 0 && head.length <= WHOLE_MESSAGE_BYTES) {
      try {
        DecryptedMessage whole = decryptMessage(identityOrNull, head);
        plaintext.write(whole.plaintext());
        return whole.result();
      } catch (SmimeClientException e) {
        if (e.code() != Status.Code.UNIMPLEMENTED && !chargedWhole(e)) {
          throw e;
        }
        // A daemon older than DecryptMessage, or one whose byte budget has no room for
        // another DecryptMessage (each is charged 4 MiB before it is read, so a pool of
        // workers with small mail ran out: a client trial): stream the same bytes instead,
        // charged as they arrive.
      }
    }
    var call = channel.newCall(DecryptionServiceGrpc.getDecryptMethod(), streamOptions());
    return new DecryptExchange(call, identityOrNull)
        .run(new SequenceInputStream(new ByteArrayInputStream(head), cms), plaintext);
  }

  /** The daemon refused a DecryptMessage for the charge of its largest possible size. */
  private static boolean chargedWhole(SmimeClientException e) {
    return e.reason().filter(r -> r == ErrorReason.IN_FLIGHT_BYTES_EXHAUSTED).isPresent();
  }

  /**
   * Decrypts a whole CMS EnvelopedData or AuthEnvelopedData held in memory (DecryptMessage):
   * one request, one response, the plaintext only once it is complete and, for
   * AuthEnvelopedData, its tag verified. For messages of at most 4 MiB (and the daemon's
   * limits.maxMessageBytes); larger ones are refused with INVALID_ARGUMENT (over 4 MiB here,
   * before anything is sent: gRPC would refuse the request as RESOURCE_EXHAUSTED): use
   * {@link #decrypt(String, InputStream, OutputStream)}, which streams.
   *
   * @param identityOrNull restrict decryption to this identity's keys, or null for any
   */
  public DecryptedMessage decryptMessage(String identityOrNull, byte[] cms)
      throws SmimeClientException {
    refuseOverUnaryLimit(cms.length, "message", "decrypt, which streams");
    var request = org.smimed.api.v1.DecryptMessageRequest.newBuilder()
        .setMessage(ByteString.copyFrom(cms));
    if (identityOrNull != null) {
      request.setIdentity(identityOrNull);
    }
    try {
      var r = withDeadline(DecryptionServiceGrpc.newBlockingStub(channel))
          .decryptMessage(request.build());
      byte[] plaintext = r.getPlaintext().toByteArray();
      return new DecryptedMessage(DecryptResult.from(r.getResult(), plaintext.length),
          plaintext);
    } catch (StatusRuntimeException e) {
      throw SmimeClientException.from(e);
    }
  }

  /**
   * Signs content streamed to the daemon (SignStream), in bounded memory: {@code content}
   * writes it, and it leaves in 64 KiB request chunks as gRPC can take them, hashed by the
   * daemon as they arrive. Encapsulated: the BER SignedData is written to {@code signedData} as
   * it arrives, and the result's signedData is empty. Detached: the result holds the DER
   * SignedData, and {@code signedData} is not used (may be null). Streams are not closed; only
   * a call that returns delivered a complete SignedData.
   *
   * @throws IOException when {@code content} or writing {@code signedData} fails (the call is
   *     cancelled)
   */
  public SignResult signStream(StreamSigningRequest request, ContentWriter content,
      OutputStream signedData) throws SmimeClientException, IOException {
    if (request.encapsulate() && signedData == null) {
      throw new IllegalArgumentException("encapsulated signing needs an output stream");
    }
    var header = org.smimed.api.v1.SignStreamHeader.newBuilder()
        .setIdentity(request.identity())
        .setEncapsulate(request.encapsulate())
        .setSignatureAlgorithm(toProto(request.signatureScheme()))
        .setDigestAlgorithm(toProto(request.hashAlgorithm()))
        .build();
    var call = channel.newCall(SigningServiceGrpc.getSignStreamMethod(), streamOptions());
    return new SignExchange(call, header, request.encapsulate() ? signedData : null)
        .run(content);
  }

  /** The most a unary request may carry; the daemon's transport refuses more unread. */
  static final int UNARY_LIMIT = 4 * 1024 * 1024;

  /**
   * Refuses {@code bytes} of {@code what} over {@link #UNARY_LIMIT} as the daemon would, but
   * before sending them: gRPC's own refusal says only "message exceeds maximum size", without
   * the way out (found by a client trial).
   */
  private static void refuseOverUnaryLimit(long bytes, String what, String instead)
      throws SmimeClientException {
    if (bytes > UNARY_LIMIT) {
      throw new SmimeClientException(Status.INVALID_ARGUMENT.withDescription(what + " is "
          + bytes + " bytes, more than the " + UNARY_LIMIT + " one request carries: use "
          + instead));
    }
  }

  /** A streamed call's options: the deadline, and a few request chunks queued, not 32 KiB. */
  private CallOptions streamOptions() {
    CallOptions options = CallOptions.DEFAULT.withOnReadyThreshold(StreamExchange.QUEUED_BYTES);
    if (deadline != null) {
      options = options.withDeadlineAfter(deadline.toNanos(), TimeUnit.NANOSECONDS);
    }
    return options;
  }

  /** Lists every identity the caller may use. */
  public List<IdentityInfo> listIdentities() throws SmimeClientException {
    try {
      return withDeadline(DirectoryServiceGrpc.newBlockingStub(channel))
          .listIdentities(ListIdentitiesRequest.getDefaultInstance())
          .getIdentitiesList().stream().map(SmimeClient::fromProto).toList();
    } catch (StatusRuntimeException e) {
      throw SmimeClientException.from(e);
    }
  }

  /** Returns one identity; NOT_FOUND when the daemon does not know it. */
  public IdentityInfo getIdentity(String identity) throws SmimeClientException {
    if (identity == null) {
      throw new IllegalArgumentException("identity is required");
    }
    try {
      return fromProto(withDeadline(DirectoryServiceGrpc.newBlockingStub(channel))
          .getIdentity(GetIdentityRequest.newBuilder().setIdentity(identity).build()));
    } catch (StatusRuntimeException e) {
      throw SmimeClientException.from(e);
    }
  }

  /**
   * What the daemon takes from this client: sizes, budgets, timeouts and its policy limits
   * (GetLimits); UNIMPLEMENTED from a daemon older than it.
   */
  public DaemonLimits limits() throws SmimeClientException {
    try {
      return DaemonLimits.fromProto(withDeadline(DirectoryServiceGrpc.newBlockingStub(channel))
          .getLimits(org.smimed.api.v1.GetLimitsRequest.getDefaultInstance()));
    } catch (StatusRuntimeException e) {
      throw SmimeClientException.from(e);
    }
  }

  private <S extends io.grpc.stub.AbstractStub<S>> S withDeadline(S stub) {
    return deadline == null ? stub
        : stub.withDeadlineAfter(deadline.toNanos(), TimeUnit.NANOSECONDS);
  }

  static org.smimed.api.v1.SignRequest toProto(SigningRequest request) {
    var b = org.smimed.api.v1.SignRequest.newBuilder()
        .setIdentity(request.identity())
        .setEncapsulate(request.encapsulate())
        .setSignatureAlgorithm(toProto(request.signatureScheme()));
    if (request.digest() != null) {
      b.setDigest(org.smimed.api.v1.Digest.newBuilder()
          .setAlgorithm(toProto(request.digest().algorithm()))
          .setValue(ByteString.copyFrom(request.digest().value())));
    } else {
      b.setContent(ByteString.copyFrom(request.content()));
      b.setDigestAlgorithm(toProto(request.hashAlgorithm()));
    }
    return b.build();
  }

  private static DigestAlgorithm toProto(HashAlgorithm a) {
    if (a == null) {
      return DigestAlgorithm.DIGEST_ALGORITHM_UNSPECIFIED;
    }
    return switch (a) {
      case SHA256 -> DigestAlgorithm.DIGEST_ALGORITHM_SHA256;
      case SHA384 -> DigestAlgorithm.DIGEST_ALGORITHM_SHA384;
      case SHA512 -> DigestAlgorithm.DIGEST_ALGORITHM_SHA512;
    };
  }

  private static SignatureAlgorithm toProto(SignatureScheme s) {
    return switch (s) {
      case KEY_DEFAULT -> SignatureAlgorithm.SIGNATURE_ALGORITHM_UNSPECIFIED;
      case RSA_PKCS1 -> SignatureAlgorithm.SIGNATURE_ALGORITHM_RSA_PKCS1;
      case ECDSA -> SignatureAlgorithm.SIGNATURE_ALGORITHM_ECDSA;
      case RSA_PSS -> SignatureAlgorithm.SIGNATURE_ALGORITHM_RSA_PSS;
    };
  }

  private static IdentityInfo fromProto(Identity i) {
    return new IdentityInfo(i.getIdentity(), i.getKeyVersion(), i.getKeyAlgorithm(),
        i.getCertificateChainList().stream().map(ByteString::toByteArray).toList(),
        i.getSmimeCapabilities().toByteArray(),
        i.getEncryptionCertificateChainList().stream().map(ByteString::toByteArray).toList(),
        !i.hasSigns() || i.getSigns(), // unset: an older daemon, whose key_version signed
        hash(i));
  }

  /** The identity's default hash as the daemon says, or as older daemons chose it. */
  static HashAlgorithm hash(Identity i) {
    return switch (i.getDigestAlgorithm()) {
      case DIGEST_ALGORITHM_SHA256 -> HashAlgorithm.SHA256;
      case DIGEST_ALGORITHM_SHA384 -> HashAlgorithm.SHA384;
      case DIGEST_ALGORITHM_SHA512 -> HashAlgorithm.SHA512;
      default -> HashAlgorithm.defaultFor(i.getKeyAlgorithm());
    };
  }
}
