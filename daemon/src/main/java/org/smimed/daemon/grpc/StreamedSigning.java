package org.smimed.daemon.grpc;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.grpc.stub.StreamObserver;
import java.io.InputStream;
import java.nio.ByteBuffer;
import org.smimed.api.v1.SignStreamHeader;
import org.smimed.api.v1.SignStreamRequest;
import org.smimed.api.v1.SignStreamResponse;
import org.smimed.api.v1.SignStreamResult;
import org.smimed.daemon.cms.StreamedSignature;
import org.smimed.daemon.policy.Caller;
import org.smimed.daemon.policy.Operation;
import org.smimed.daemon.signing.Signing;

/**
 * The SignStream RPC: content arrives in chunks ({@link SignStreamCall}), is hashed as it
 * arrives and, when encapsulating, goes straight back inside a BER SignedData; the signature
 * is then made from the digest exactly as a digest-mode Sign makes it.
 *
 * <p>Guarantees: the same permission as Sign ({@link Operation#SIGN} on the identity), checked
 * before anything about the identity is looked up; the request is checked against the key
 * before any content is read; content chunks are re-framed in pieces of at most
 * {@link #SEGMENT_BYTES}, so one response never holds more than that much content.
 */
final class StreamedSigning {
    /** Most content bytes per BER segment (and per response message). */
    static final int SEGMENT_BYTES = 64 * 1024;

    private final Signing signing;
    private final StatusMapper statuses;
    private final long maxContentBytes;
    private final StreamGuards guards;

    StreamedSigning(Signing signing, StatusMapper statuses, long maxContentBytes,
                    StreamGuards guards) {
        this.signing = signing;
        this.statuses = statuses;
        this.maxContentBytes = maxContentBytes;
        this.guards = guards;
    }

    /** Starts one call for the current caller. */
    StreamObserver<SignStreamRequest> open(StreamObserver<SignStreamResponse> response) {
        Caller caller = Callers.current();
        return new SignStreamCall(response, statuses, guards, caller.name(), maxContentBytes,
                (header, content, call) -> sign(caller, header, content, call));
    }

    private void sign(Caller caller, SignStreamHeader header, InputStream content,
                      SignStreamCall call) throws Exception {
        String identity = header.getIdentity();
        // Before anything else about the identity, so a refusal does not reveal whether the
        // identity exists.
        signing.authorize(caller, identity);
        StreamedSignature signature = StreamedSignature.start(signing.signingKey(identity),
                ProtoMapping.scheme(header.getSignatureAlgorithm()),
                ProtoMapping.digest(header.getDigestAlgorithm()), header.getEncapsulate());
        hash(signature, content, call);
        Signing.Signed signed = signing.sign(identity, signature.digestRequest());
        SignStreamResult.Builder result = SignStreamResult.newBuilder()
                .setCertificate(UnsafeByteOperations.unsafeWrap(
                        signed.key().certificate().getEncoded()))
                .setKeyVersion(signed.key().id())
                .setMicalg(signed.message().digest().micalg());
        if (signature.encapsulate()) {
            call.send(chunk(UnsafeByteOperations.unsafeWrap(
                    signature.closing(signed.message()))));
        } else {
            result.setSignedData(UnsafeByteOperations.unsafeWrap(
                    signed.message().signedData()));
        }
        call.send(SignStreamResponse.newBuilder().setResult(result).build());
        call.complete();
    }

    /** Hashes the content as it arrives; encapsulating, sends it back inside the BER. */
    private static void hash(StreamedSignature signature, InputStream content,
                             SignStreamCall call) throws Exception {
        if (signature.encapsulate()) {
            call.send(chunk(UnsafeByteOperations.unsafeWrap(signature.opening())));
        }
        byte[] buffer = new byte[SEGMENT_BYTES];
        int n;
        while ((n = content.readNBytes(buffer, 0, buffer.length)) > 0) {
            signature.update(ByteBuffer.wrap(buffer, 0, n));
            if (signature.encapsulate()) {
                call.send(chunk(UnsafeByteOperations.unsafeWrap(StreamedSignature
                        .segmentHeader(n)).concat(ByteString.copyFrom(buffer, 0, n))));
            }
        }
    }

    private static SignStreamResponse chunk(ByteString bytes) {
        return SignStreamResponse.newBuilder().setSignedDataChunk(bytes).build();
    }
}
