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
import org.smimed.daemon.token.TokenRecovery;

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
    private final TokenRecovery recovery;

    /**
     * @param guards the in-flight byte budgets and stream timeouts (owned by the caller)
     */
    public DecryptionGrpcService(KeyRegistry keys, CmsDecryptor decryptor, StatusMapper statuses,
                                 int maxMessageBytes, AccessControl access, StreamGuards guards,
                                 TokenRecovery recovery) {
        this.access = access;
        this.guards = guards;
        this.recovery = recovery;
        this.keys = keys;
        this.decryptor = decryptor;
        this.statuses = statuses;
        this.maxMessageBytes = maxMessageBytes;
    }

    @Override
    public StreamObserver<DecryptRequest> decrypt(StreamObserver<DecryptResponse> response) {
        Caller caller = Callers.current();
        return new DecryptStream(response, statuses, guards, caller.name(), maxMessageBytes,
                (identity, message, out) -> {
                    authorize(caller, identity);
                    // Idempotent: after a token fault the keys are looked up again (fresh
                    // handles) and decryption runs once more; only "token gone" codes lead
                    // here, never a padding failure (TokenErrors.isTokenGone).
                    send(recovery.retryOnce(() -> decryptor.decrypt(message,
                            candidates(caller, identity))), out);
                });
    }

    /**
     * Checks that this caller may decrypt (with the named identity, or with any) and counts the
     * call against its decrypt budget, once per call however often the token is retried.
     */
    private void authorize(Caller caller, String identity) throws Exception {
        if (identity.isBlank()) {
            access.checkAny(caller, Operation.DECRYPT);
        } else {
            access.check(caller, Operation.DECRYPT, identity);
        }
        candidates(caller, identity); // an unknown identity fails before the budget is charged
        access.chargeDecrypt(caller);
    }

    /**
     * The keys this caller may decrypt with: those of the named identity, otherwise those of
     * every identity the policy grants it. Read from the current snapshot on each attempt.
     */
    private List<KeyVersion> candidates(Caller caller, String identity) throws Exception {
        if (identity.isBlank()) {
            return access.filter(caller, Operation.DECRYPT, keys.decryptionKeys(),
                    KeyVersion::identity);
        }
        return keys.decryptionKeys(identity);
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
