package org.smimed.daemon.grpc;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.smimed.api.v1.SignBatchRequest;
import org.smimed.api.v1.SignBatchResponse;
import org.smimed.api.v1.SignRequest;
import org.smimed.api.v1.SignResponse;
import org.smimed.api.v1.SignStreamRequest;
import org.smimed.api.v1.SignStreamResponse;
import org.smimed.api.v1.SigningServiceGrpc;
import org.smimed.daemon.cms.DigestAlgorithm;
import org.smimed.daemon.cms.InvalidRequestException;
import org.smimed.daemon.cms.SignatureRequest;
import org.smimed.daemon.cms.SignedMessage;
import org.smimed.daemon.keys.KeyVersion;
import org.smimed.daemon.policy.Caller;
import org.smimed.daemon.policy.InFlightBytes;
import org.smimed.daemon.signing.Signing;

/**
 * gRPC face of signing: reads and bounds the request, asks {@link Signing}, maps the outcome.
 */
public final class SigningGrpcService extends SigningServiceGrpc.SigningServiceImplBase {
    /** Most digests one SignBatch call may carry; bounds the work a single call can queue. */
    static final int MAX_BATCH = 1024;

    private final Signing signing;
    private final StatusMapper statuses;
    /** Unary content is in memory whole before the call starts: larger content streams. */
    private final UnaryLimit unaryLimit;
    /**
     * Encapsulated content: gRPC's default 4 MiB message size less 64 KiB of room for the
     * certificates, attributes and signature around it.
     */
    static final int MAX_ENCAPSULATED_BYTES = UnaryLimit.CAP - 64 * 1024;
    /** Charges unary content to the same in-flight budgets as streamed bytes. */
    private final InFlightBytes inFlight;
    private final StreamedSigning streamed;

    /** @param guards bound SignStream calls as they bound Decrypt calls (owned by the caller) */
    public SigningGrpcService(Signing signing, StatusMapper statuses, int maxMessageBytes,
                              StreamGuards guards) {
        this.streamed = new StreamedSigning(signing, statuses, maxMessageBytes, guards);
        this.signing = signing;
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
            // Before anything else about the identity, so a refusal does not reveal whether
            // the identity exists.
            signing.authorize(caller, request.getIdentity());
            SignatureRequest.Input input = input(request);
            held.grow(request.getContent().size());
            Signing.Signed result = signing.sign(request.getIdentity(), new SignatureRequest(
                    input, request.getEncapsulate(),
                    ProtoMapping.scheme(request.getSignatureAlgorithm()),
                    ProtoMapping.digest(request.getDigestAlgorithm())));
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
            signing.authorize(Callers.current(), request.getIdentity());
            List<SignatureRequest> each = batch(request);
            Context call = Context.current();
            Signing.SignedBatch signed = signing.signBatch(request.getIdentity(), each,
                    SigningGrpcService::fitsOneAnswer, () -> {
                        // A caller past its deadline, or gone, will not read the batch, and
                        // the call is not recorded as a success.
                        if (call.isCancelled()) {
                            throw Status.CANCELLED.withDescription("the call was cancelled or"
                                    + " its deadline passed; the batch was not finished")
                                    .asRuntimeException();
                        }
                    });
            SignBatchResponse.Builder out = SignBatchResponse.newBuilder()
                    .setCertificate(UnsafeByteOperations.unsafeWrap(
                            signed.key().certificate().getEncoded()))
                    .setKeyVersion(signed.key().id());
            for (SignedMessage one : signed.messages()) {
                out.addSignedData(ByteString.copyFrom(one.signedData()))
                        .setMicalg(one.digest().micalg());
            }
            response.onNext(out.build());
            response.onCompleted();
        } catch (Exception e) {
            response.onError(statuses.toStatus(e));
        }
    }

    /**
     * Refuses, before any token time is spent, a batch whose answer would pass gRPC's default
     * 4 MiB message size, which the caller's own client (in every language) refuses after the
     * daemon signed and audited it OK: each SignedData carries the signer's certificates (a
     * security review, for 1,024 digests and a long chain). Every signature of a batch is the
     * same size but for an ECDSA signature's few octets, so the domain gives the largest.
     */
    private static void fitsOneAnswer(KeyVersion key, int count, long maxSignedDataBytes,
                                      int certificateBytes) throws InvalidRequestException {
        // Each signed_data's field tag and length, then the certificate, key version and
        // micalg fields with theirs.
        long entry = maxSignedDataBytes + 4L;
        long fixed = certificateBytes + 256L;
        long answer = fixed + entry * count;
        if (answer > UnaryLimit.CAP) {
            throw new InvalidRequestException("a batch of " + count + " signatures as "
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
