package org.smimed.daemon.grpc;

import com.google.protobuf.ByteString;
import io.grpc.stub.StreamObserver;
import org.smimed.api.v1.SignRequest;
import org.smimed.api.v1.SignResponse;
import org.smimed.api.v1.SigningServiceGrpc;
import org.smimed.daemon.cms.CmsSigner;
import org.smimed.daemon.cms.DigestAlgorithm;
import org.smimed.daemon.cms.InvalidRequestException;
import org.smimed.daemon.cms.SignatureRequest;
import org.smimed.daemon.cms.SignedMessage;
import org.smimed.daemon.keys.KeyRegistry;
import org.smimed.daemon.keys.KeyVersion;
import org.smimed.daemon.policy.AccessControl;
import org.smimed.daemon.token.TokenRecovery;
import org.smimed.daemon.policy.Operation;

/** gRPC face of signing: validates the request, asks the domain, maps the outcome. */
public final class SigningGrpcService extends SigningServiceGrpc.SigningServiceImplBase {
    private final KeyRegistry keys;
    private final CmsSigner signer;
    private final StatusMapper statuses;
    private final int maxMessageBytes;
    private final AccessControl access;
    private final TokenRecovery recovery;

    public SigningGrpcService(KeyRegistry keys, CmsSigner signer, StatusMapper statuses,
                              int maxMessageBytes, AccessControl access,
                              TokenRecovery recovery) {
        this.access = access;
        this.recovery = recovery;
        this.keys = keys;
        this.signer = signer;
        this.statuses = statuses;
        this.maxMessageBytes = maxMessageBytes;
    }

    @Override
    public void sign(SignRequest request, StreamObserver<SignResponse> response) {
        try {
            if (request.getIdentity().isBlank()) {
                throw new InvalidRequestException("identity is required");
            }
            // Before anything else about the identity, so a refusal does not reveal whether
            // the identity exists.
            access.check(Callers.current(), Operation.SIGN, request.getIdentity());
            SignatureRequest domainRequest = new SignatureRequest(input(request),
                    request.getEncapsulate(), ProtoMapping.scheme(request.getSignatureAlgorithm()),
                    ProtoMapping.digest(request.getDigestAlgorithm()));
            // Idempotent: after a token fault the key is looked up again and signed once more.
            Signed result = recovery.retryOnce(() -> {
                KeyVersion version = keys.signingKey(request.getIdentity());
                return new Signed(version, signer.sign(version, domainRequest));
            });
            KeyVersion key = result.key();
            SignedMessage signed = result.message();
            response.onNext(SignResponse.newBuilder()
                    .setSignedData(ByteString.copyFrom(signed.signedData()))
                    .setCertificate(ByteString.copyFrom(key.certificate().getEncoded()))
                    .setKeyVersion(key.id())
                    .setMicalg(signed.digest().micalg())
                    .build());
            response.onCompleted();
        } catch (Exception e) {
            response.onError(statuses.toStatus(e));
        }
    }

    private record Signed(KeyVersion key, SignedMessage message) {}

    private SignatureRequest.Input input(SignRequest request) throws InvalidRequestException {
        switch (request.getPayloadCase()) {
            case CONTENT -> {
                if (request.getContent().size() > maxMessageBytes) {
                    throw new InvalidRequestException("content is " + request.getContent().size()
                            + " bytes, more than the limit of " + maxMessageBytes
                            + " bytes (limits.maxMessageBytes); send a digest instead");
                }
                return new SignatureRequest.Content(request.getContent().toByteArray());
            }
            case DIGEST -> {
                DigestAlgorithm algorithm = ProtoMapping.digest(request.getDigest().getAlgorithm())
                        .orElseThrow(() -> new InvalidRequestException(
                                "digest.algorithm is required"));
                return new SignatureRequest.PrecomputedDigest(algorithm,
                        request.getDigest().getValue().toByteArray());
            }
            default -> throw new InvalidRequestException("either content or digest is required");
        }
    }
}
