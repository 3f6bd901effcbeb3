package org.smimed.daemon.grpc;

import com.google.protobuf.ByteString;
import io.grpc.stub.StreamObserver;
import java.util.List;
import org.smimed.api.v1.DecryptRequest;
import org.smimed.api.v1.DecryptResponse;
import org.smimed.api.v1.DecryptResult;
import org.smimed.api.v1.DecryptionServiceGrpc;
import org.smimed.daemon.cms.CmsDecryptor;
import org.smimed.daemon.cms.DecryptedMessage;
import org.smimed.daemon.keys.KeyRegistry;
import org.smimed.daemon.keys.KeyVersion;
import org.smimed.daemon.policy.AccessControl;
import org.smimed.daemon.policy.Caller;
import org.smimed.daemon.policy.Operation;

/**
 * gRPC face of decryption. Collects the streamed message ({@link DecryptStream}: size limit,
 * in-flight byte budgets, idle and total timeouts), decrypts it, then streams the result: first
 * who decrypted it, then the plaintext in chunks.
 *
 * <p>The whole message is held in memory (bounded by limits.maxMessageBytes per call and
 * limits.maxInFlightBytes over all calls) because an AuthEnvelopedData plaintext may not be
 * released before its tag verifies; constant-memory streaming is planned work.
 */
public final class DecryptionGrpcService extends DecryptionServiceGrpc.DecryptionServiceImplBase {
    static final int CHUNK_BYTES = 64 * 1024;

    private final KeyRegistry keys;
    private final CmsDecryptor decryptor;
    private final StatusMapper statuses;
    private final int maxMessageBytes;
    private final AccessControl access;
    private final StreamGuards guards;

    /**
     * @param guards the in-flight byte budgets and stream timeouts (owned by the caller)
     */
    public DecryptionGrpcService(KeyRegistry keys, CmsDecryptor decryptor, StatusMapper statuses,
                                 int maxMessageBytes, AccessControl access, StreamGuards guards) {
        this.access = access;
        this.guards = guards;
        this.keys = keys;
        this.decryptor = decryptor;
        this.statuses = statuses;
        this.maxMessageBytes = maxMessageBytes;
    }

    @Override
    public StreamObserver<DecryptRequest> decrypt(StreamObserver<DecryptResponse> response) {
        Caller caller = Callers.current();
        return new DecryptStream(response, statuses, guards, caller.name(), maxMessageBytes,
                (identity, message, out) -> send(decryptor.decrypt(message,
                        candidates(caller, identity)), out));
    }

    /**
     * The keys this caller may decrypt with: those of the named identity if the policy grants
     * it, otherwise those of every identity it grants. Counts the call against the caller's
     * decrypt budget once it is authorized.
     */
    private List<KeyVersion> candidates(Caller caller, String identity) throws Exception {
        List<KeyVersion> candidates;
        if (identity.isBlank()) {
            access.checkAny(caller, Operation.DECRYPT);
            candidates = access.filter(caller, Operation.DECRYPT, keys.decryptionKeys(),
                    KeyVersion::identity);
        } else {
            access.check(caller, Operation.DECRYPT, identity);
            candidates = keys.decryptionKeys(identity);
        }
        access.chargeDecrypt(caller);
        return candidates;
    }

    private static void send(DecryptedMessage decrypted,
                             StreamObserver<DecryptResponse> response) {
        byte[] plaintext = decrypted.plaintext();
        response.onNext(DecryptResponse.newBuilder().setResult(DecryptResult.newBuilder()
                .setIdentity(decrypted.key().identity())
                .setKeyVersion(decrypted.key().id())
                .setContentEncryptionAlgorithm(decrypted.cipher().oid().getId())
                .setAuthenticated(decrypted.cipher().authenticated())
                .setLegacyAlgorithm(decrypted.cipher().legacy())).build());
        for (int offset = 0; offset < plaintext.length; offset += CHUNK_BYTES) {
            int length = Math.min(CHUNK_BYTES, plaintext.length - offset);
            response.onNext(DecryptResponse.newBuilder()
                    .setChunk(ByteString.copyFrom(plaintext, offset, length)).build());
        }
        response.onCompleted();
    }
}
