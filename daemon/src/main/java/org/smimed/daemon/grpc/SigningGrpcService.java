package org.smimed.daemon.grpc;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import org.smimed.api.v1.SignBatchRequest;
import org.smimed.api.v1.SignBatchResponse;
import org.smimed.api.v1.SignRequest;
import org.smimed.api.v1.SignResponse;
import org.smimed.api.v1.SignStreamRequest;
import org.smimed.api.v1.SignStreamResponse;
import org.smimed.api.v1.SigningServiceGrpc;
import org.smimed.daemon.cms.CmsSigner;
import org.smimed.daemon.cms.DigestAlgorithm;
import org.smimed.daemon.cms.InvalidRequestException;
import org.smimed.daemon.cms.SignatureRequest;
import org.smimed.daemon.cms.SignedMessage;
import org.smimed.daemon.keys.KeyRegistry;
import org.smimed.daemon.keys.KeyVersion;
import org.smimed.daemon.policy.AccessControl;
import org.smimed.daemon.policy.Caller;
import org.smimed.daemon.policy.InFlightBytes;
import org.smimed.daemon.token.TokenRecovery;
import org.smimed.daemon.policy.Operation;

/** gRPC face of signing: validates the request, asks the domain, maps the outcome. */
public final class SigningGrpcService extends SigningServiceGrpc.SigningServiceImplBase {
    /** Most digests one SignBatch call may carry; bounds the work a single call can queue. */
    static final int MAX_BATCH = 1024;

    private final KeyRegistry keys;
    private final CmsSigner signer;
    private final StatusMapper statuses;
    /** Unary content is in memory whole before the call starts: larger content streams. */
    private final UnaryLimit unaryLimit;
    /** Encapsulated content plus room for certificates, attributes and signature: 4 MiB. */
    static final int MAX_ENCAPSULATED_BYTES = UnaryLimit.CAP - 64 * 1024;
    private final AccessControl access;
    /** Charges unary content to the same in-flight budgets as streamed bytes. */
    private final InFlightBytes inFlight;
    private final TokenRecovery recovery;
    /** Signs a batch's digests in parallel, one token session each. */
    private final Executor batchWorkers;
    private final StreamedSigning streamed;

    /** @param guards bound SignStream calls as they bound Decrypt calls (owned by the caller) */
    public SigningGrpcService(KeyRegistry keys, CmsSigner signer, StatusMapper statuses,
                              int maxMessageBytes, AccessControl access,
                              TokenRecovery recovery, Executor batchWorkers,
                              StreamGuards guards) {
        this.streamed = new StreamedSigning(keys, signer, statuses, maxMessageBytes, access,
                guards, recovery);
        this.access = access;
        this.recovery = recovery;
        this.batchWorkers = batchWorkers;
        this.keys = keys;
        this.signer = signer;
        this.statuses = statuses;
        this.unaryLimit = UnaryLimit.of(maxMessageBytes);
        this.inFlight = guards.bytes();
    }

    @Override
    public void sign(SignRequest request, StreamObserver<SignResponse> response) {
        Caller caller = Callers.current();
        // Content is already in memory (gRPC read the request whole): charged to the in-flight
        // budgets, as DecryptMessage's message is, until the answer is sent.
        try (InFlightBytes.Reservation held = inFlight.open(caller.name())) {
            if (request.getIdentity().isBlank()) {
                throw new InvalidRequestException("identity is required");
            }
            // Before anything else about the identity, so a refusal does not reveal whether
            // the identity exists.
            access.check(caller, Operation.SIGN, request.getIdentity());
            SignatureRequest.Input input = input(request);
            held.grow(request.getContent().size());
            SignatureRequest domainRequest = new SignatureRequest(input,
                    request.getEncapsulate(), ProtoMapping.scheme(request.getSignatureAlgorithm()),
                    ProtoMapping.digest(request.getDigestAlgorithm()));
            // Idempotent: after a token fault the key is looked up again and signed once more.
            Signed result = recovery.retryOnce(() -> {
                KeyVersion version = keys.signingKey(request.getIdentity());
                return new Signed(version, signer.sign(version,
                        keys.encryptionKey(request.getIdentity()), domainRequest));
            });
            KeyVersion key = result.key();
            SignedMessage signed = result.message();
            response.onNext(SignResponse.newBuilder()
                    // Both arrays are fresh and never touched again: wrap, do not copy.
                    .setSignedData(UnsafeByteOperations.unsafeWrap(signed.signedData()))
                    .setCertificate(UnsafeByteOperations.unsafeWrap(
                            key.certificate().getEncoded()))
                    .setKeyVersion(key.id())
                    .setMicalg(signed.digest().micalg())
                    .build());
            response.onCompleted();
        } catch (Exception e) {
            response.onError(statuses.toStatus(e));
        }
    }

    @Override
    public StreamObserver<SignStreamRequest> signStream(
            StreamObserver<SignStreamResponse> response) {
        return streamed.open(response);
    }

    @Override
    public void signBatch(SignBatchRequest request, StreamObserver<SignBatchResponse> response) {
        try {
            if (request.getIdentity().isBlank()) {
                throw new InvalidRequestException("identity is required");
            }
            access.check(Callers.current(), Operation.SIGN, request.getIdentity());
            List<SignatureRequest> each = batch(request);
            // Idempotent as a whole: after a token fault the batch is signed once more.
            SignBatchResponse out = recovery.retryOnce(() -> signAll(request.getIdentity(), each));
            response.onNext(out);
            response.onCompleted();
        } catch (Exception e) {
            response.onError(statuses.toStatus(e));
        }
    }

    private SignBatchResponse signAll(String identity, List<SignatureRequest> each)
            throws Exception {
        KeyVersion key = keys.signingKey(identity);
        Optional<KeyVersion> encryption = keys.encryptionKey(identity);
        byte[] certificate = key.certificate().getEncoded();
        fitsOneAnswer(key, encryption, each, certificate.length);
        Context call = Context.current();
        List<CompletableFuture<SignedMessage>> signing = new ArrayList<>();
        for (SignatureRequest one : each) {
            signing.add(CompletableFuture.supplyAsync(() -> {
                // A caller past its deadline, or gone, will not read the batch: the rest of it
                // costs no token time, and the call is not recorded as a success.
                if (call.isCancelled()) {
                    throw new CompletionException(Status.CANCELLED.withDescription(
                            "the call was cancelled or its deadline passed; the batch was not"
                                    + " finished").asRuntimeException());
                }
                return signUnchecked(key, encryption, one);
            }, batchWorkers));
        }
        SignBatchResponse.Builder out = SignBatchResponse.newBuilder()
                .setCertificate(UnsafeByteOperations.unsafeWrap(certificate))
                .setKeyVersion(key.id());
        for (CompletableFuture<SignedMessage> done : signing) {
            SignedMessage signed = join(done);
            out.addSignedData(ByteString.copyFrom(signed.signedData()))
                    .setMicalg(signed.digest().micalg());
        }
        return out.build();
    }

    /**
     * Refuses, before any token time is spent, a batch whose answer would pass gRPC's default
     * 4 MiB message size, which the caller's own client (in every language) refuses after the
     * daemon signed and audited it OK: each SignedData carries the signer's certificates (a
     * security review, for 1,024 digests and a long chain). Every signature of a batch is the
     * same size but for an ECDSA signature's few octets, so the largest one tells.
     */
    private void fitsOneAnswer(KeyVersion key, Optional<KeyVersion> encryption,
                               List<SignatureRequest> each, int certificateBytes)
            throws InvalidRequestException {
        // Each signed_data's field tag and length, then the certificate, key version and
        // micalg fields with theirs.
        long entry = signer.maxSignedDataBytes(key, encryption, each.get(0)) + 4L;
        long fixed = certificateBytes + 256L;
        long answer = fixed + entry * each.size();
        if (answer > UnaryLimit.CAP) {
            throw new InvalidRequestException("a batch of " + each.size() + " signatures as "
                    + key.id() + " would answer up to " + answer + " bytes, more than gRPC's"
                    + " default 4 MiB message size that clients accept (each carries the"
                    + " signer's certificates); send at most " + (UnaryLimit.CAP - fixed) / entry
                    + " digests per batch for this identity");
        }
    }

    private static List<SignatureRequest> batch(SignBatchRequest request)
            throws InvalidRequestException {
        if (request.getDigestsCount() == 0 || request.getDigestsCount() > MAX_BATCH) {
            throw new InvalidRequestException("a batch holds 1 to " + MAX_BATCH
                    + " digests, got " + request.getDigestsCount());
        }
        var scheme = ProtoMapping.scheme(request.getSignatureAlgorithm());
        org.smimed.api.v1.DigestAlgorithm first = request.getDigests(0).getAlgorithm();
        List<SignatureRequest> each = new ArrayList<>();
        for (var digest : request.getDigestsList()) {
            if (digest.getAlgorithm() != first) {
                throw new InvalidRequestException("all digests of a batch must use one algorithm");
            }
            DigestAlgorithm algorithm = ProtoMapping.digest(digest.getAlgorithm())
                    .orElseThrow(() -> new InvalidRequestException("digest.algorithm is required"));
            each.add(new SignatureRequest(new SignatureRequest.PrecomputedDigest(algorithm,
                    digest.getValue().toByteArray()), false, scheme, Optional.empty()));
        }
        return each;
    }

    /** Carries the signer's checked failures across the executor; unwrapped by join. */
    private SignedMessage signUnchecked(KeyVersion key, Optional<KeyVersion> encryption,
                                        SignatureRequest request) {
        try {
            return signer.sign(key, encryption, request);
        } catch (Exception e) {
            throw new CompletionException(e);
        }
    }

    private static SignedMessage join(CompletableFuture<SignedMessage> signing) throws Exception {
        try {
            return signing.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
    }
    private record Signed(KeyVersion key, SignedMessage message) {}

    private SignatureRequest.Input input(SignRequest request) throws InvalidRequestException {
        switch (request.getPayloadCase()) {
            case CONTENT -> {
                int size = request.getContent().size();
                unaryLimit.check("content", size, "Sign",
                        "send a digest, or stream the content with SignStream");
                // The answer carries encapsulated content whole, plus certificates and
                // signature: past gRPC's default 4 MiB it is refused by the caller's own
                // client (every language's default), after the daemon signed and audited it
                // OK (found by an outside trial).
                if (request.getEncapsulate() && size > MAX_ENCAPSULATED_BYTES) {
                    throw new InvalidRequestException("content to encapsulate is " + size
                            + " bytes, more than " + MAX_ENCAPSULATED_BYTES + " for Sign: the"
                            + " answer would exceed gRPC's default 4 MiB message size that"
                            + " clients accept; stream it with SignStream, or sign detached");
                }
                return new SignatureRequest.Content(request.getContent().toByteArray());
            }
            case DIGEST -> {
                DigestAlgorithm algorithm = ProtoMapping.digest(request.getDigest().getAlgorithm())
                        .orElseThrow(() -> new InvalidRequestException(
                                "digest.algorithm is required"));
                // The digest was made with its own algorithm; a different one asked for beside
                // it cannot be honoured, and ignoring it would sign other than asked.
                Optional<DigestAlgorithm> asked = ProtoMapping.digest(request.getDigestAlgorithm());
                if (asked.isPresent() && asked.get() != algorithm) {
                    throw new InvalidRequestException("digest_algorithm " + asked.get()
                            + " disagrees with digest.algorithm " + algorithm + ": leave"
                            + " digest_algorithm unset for a digest, or give the same");
                }
                return new SignatureRequest.PrecomputedDigest(algorithm,
                        request.getDigest().getValue().toByteArray());
            }
            default -> throw new InvalidRequestException("either content or digest is required");
        }
    }
}
