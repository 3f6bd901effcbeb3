package org.smimed.daemon.signing;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import org.smimed.daemon.cms.CmsSigner;
import org.smimed.daemon.cms.InvalidRequestException;
import org.smimed.daemon.cms.SignatureRequest;
import org.smimed.daemon.cms.SignedMessage;
import org.smimed.daemon.keys.KeyRegistry;
import org.smimed.daemon.keys.KeyVersion;
import org.smimed.daemon.policy.AccessControl;
import org.smimed.daemon.policy.Caller;
import org.smimed.daemon.policy.Operation;
import org.smimed.daemon.policy.PermissionDeniedException;
import org.smimed.daemon.token.TokenRecovery;

/**
 * Signing as callers ask for it, whatever carries the request (Sign, SignBatch, SignStream):
 * who may sign as an identity, which key version signs, and what a token fault does.
 *
 * <p>Guarantees: permission is checked before anything about the identity is looked up, so a
 * refusal does not reveal whether it exists; a signature is made with the identity's signing
 * version of the moment, looked up again (fresh handles) when a token fault is healed and the
 * signing runs once more; a batch is bounded before any token time is spent on it.
 */
public final class Signing {
    private final KeyRegistry keys;
    private final CmsSigner signer;
    private final AccessControl access;
    private final TokenRecovery recovery;
    /** Signs a batch's digests in parallel, one token session each. */
    private final Executor batchWorkers;

    public Signing(KeyRegistry keys, CmsSigner signer, AccessControl access,
                   TokenRecovery recovery, Executor batchWorkers) {
        this.keys = keys;
        this.signer = signer;
        this.access = access;
        this.recovery = recovery;
        this.batchWorkers = batchWorkers;
    }

    /** A signature and the version that made it. */
    public record Signed(KeyVersion key, SignedMessage message) {}

    /** A batch's signatures, in the order of its digests, and the version that made them. */
    public record SignedBatch(KeyVersion key, List<SignedMessage> messages) {}

    /**
     * What may be answered for a batch, judged before any token time is spent: told the
     * version that would sign, how many signatures, the most bytes one SignedData can take and
     * the size of the signer's certificate. Throws to refuse the batch.
     */
    @FunctionalInterface
    public interface BatchBound {
        void check(KeyVersion key, int count, long maxSignedDataBytes, int certificateBytes)
                throws InvalidRequestException;
    }

    /** Refuses a blank identity, then a caller not permitted to sign as {@code identity}. */
    public void authorize(Caller caller, String identity)
            throws InvalidRequestException, PermissionDeniedException {
        if (identity.isBlank()) {
            throw new InvalidRequestException("identity is required");
        }
        access.check(caller, Operation.SIGN, identity);
    }

    /** The version that signs as {@code identity} now; to check a request against its key. */
    public KeyVersion signingKey(String identity) throws Exception {
        return keys.signingKey(identity);
    }

    /** Signs {@code request} as {@code identity}, which the caller was authorized for. */
    public Signed sign(String identity, SignatureRequest request) throws Exception {
        // Idempotent: after a token fault the key is looked up again and signed once more.
        return recovery.retryOnce(() -> {
            KeyVersion version = keys.signingKey(identity);
            return new Signed(version, signer.sign(version, keys.encryptionKey(identity),
                    request));
        });
    }

    /**
     * Signs each request as {@code identity} in parallel on the batch workers.
     *
     * @param stillWanted runs before each signature; what it throws (its caller gone, say)
     *                    ends the batch, so the rest of it costs no token time
     */
    public SignedBatch signBatch(String identity, List<SignatureRequest> each, BatchBound bound,
                                 Runnable stillWanted) throws Exception {
        // Idempotent as a whole: after a token fault the batch is signed once more.
        return recovery.retryOnce(() -> signAll(identity, each, bound, stillWanted));
    }

    private SignedBatch signAll(String identity, List<SignatureRequest> each, BatchBound bound,
                                Runnable stillWanted) throws Exception {
        KeyVersion key = keys.signingKey(identity);
        Optional<KeyVersion> encryption = keys.encryptionKey(identity);
        // Every signature of a batch is the same size but for an ECDSA signature's few
        // octets, so the largest one tells.
        bound.check(key, each.size(), signer.maxSignedDataBytes(key, encryption, each.get(0)),
                key.certificate().getEncoded().length);
        List<CompletableFuture<SignedMessage>> signing = new ArrayList<>();
        for (SignatureRequest one : each) {
            signing.add(CompletableFuture.supplyAsync(() -> {
                stillWanted.run();
                return signUnchecked(key, encryption, one);
            }, batchWorkers));
        }
        List<SignedMessage> signed = new ArrayList<>(each.size());
        for (CompletableFuture<SignedMessage> done : signing) {
            signed.add(join(done));
        }
        return new SignedBatch(key, signed);
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
}
