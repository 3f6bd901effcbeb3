package org.smimed.daemon.grpc;

import com.google.protobuf.ByteString;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayOutputStream;
import java.util.List;
import org.smimed.api.v1.DecryptRequest;
import org.smimed.api.v1.DecryptResponse;
import org.smimed.api.v1.DecryptResult;
import org.smimed.api.v1.DecryptionServiceGrpc;
import org.smimed.daemon.cms.CmsDecryptor;
import org.smimed.daemon.cms.DecryptedMessage;
import org.smimed.daemon.cms.InvalidRequestException;
import org.smimed.daemon.keys.KeyRegistry;
import org.smimed.daemon.keys.KeyVersion;
import org.smimed.daemon.policy.AccessControl;
import org.smimed.daemon.token.TokenRecovery;
import org.smimed.daemon.policy.Caller;
import org.smimed.daemon.policy.Operation;

/**
 * gRPC face of decryption. Collects the streamed message up to the configured limit, decrypts
 * it, then streams the result: first who decrypted it, then the plaintext in chunks.
 *
 * <p>The whole message is held in memory (bounded by limits.maxMessageBytes) because an
 * AuthEnvelopedData plaintext may not be released before its tag verifies; constant-memory
 * streaming is planned work.
 */
public final class DecryptionGrpcService extends DecryptionServiceGrpc.DecryptionServiceImplBase {
    static final int CHUNK_BYTES = 64 * 1024;

    private final KeyRegistry keys;
    private final CmsDecryptor decryptor;
    private final StatusMapper statuses;
    private final int maxMessageBytes;
    private final AccessControl access;
    private final TokenRecovery recovery;

    public DecryptionGrpcService(KeyRegistry keys, CmsDecryptor decryptor, StatusMapper statuses,
                                 int maxMessageBytes, AccessControl access,
                                 TokenRecovery recovery) {
        this.access = access;
        this.recovery = recovery;
        this.keys = keys;
        this.decryptor = decryptor;
        this.statuses = statuses;
        this.maxMessageBytes = maxMessageBytes;
    }

    @Override
    public StreamObserver<DecryptRequest> decrypt(StreamObserver<DecryptResponse> response) {
        Caller caller = Callers.current();
        return new StreamObserver<>() {
            private final ByteArrayOutputStream message = new ByteArrayOutputStream();
            private String identity = "";
            private boolean first = true;
            private boolean failed;

            @Override
            public void onNext(DecryptRequest part) {
                if (failed) {
                    return;
                }
                if (first) {
                    identity = part.getIdentity();
                    first = false;
                }
                if ((long) message.size() + part.getChunk().size() > maxMessageBytes) {
                    fail(new InvalidRequestException("message is larger than the limit of "
                            + maxMessageBytes + " bytes (limits.maxMessageBytes)"));
                    return;
                }
                message.writeBytes(part.getChunk().toByteArray());
            }

            @Override
            public void onError(Throwable t) {
                failed = true;
            }

            @Override
            public void onCompleted() {
                if (failed) {
                    return;
                }
                try {
                    if (message.size() == 0) {
                        throw new InvalidRequestException("empty message: send the CMS"
                                + " EnvelopedData or AuthEnvelopedData in chunk fields");
                    }
                    authorize(caller, identity);
                    byte[] bytes = message.toByteArray();
                    // Idempotent: after a token fault the keys are looked up again (fresh
                    // handles) and decryption runs once more; only "token gone" codes lead
                    // here, never a padding failure (TokenErrors.isTokenGone).
                    send(recovery.retryOnce(() -> decryptor.decrypt(bytes,
                            candidates(caller, identity))), response);
                } catch (Exception e) {
                    fail(e);
                }
            }

            private void fail(Exception e) {
                failed = true;
                message.reset();
                response.onError(statuses.toStatus(e));
            }
        };
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
