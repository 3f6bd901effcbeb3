package org.smimed.daemon.grpc;

import com.google.protobuf.ByteString;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;
import org.smimed.api.v1.DirectoryServiceGrpc;
import org.smimed.api.v1.GetIdentityRequest;
import org.smimed.api.v1.GetLimitsRequest;
import org.smimed.api.v1.Identity;
import org.smimed.api.v1.Limits;
import org.smimed.api.v1.ListIdentitiesRequest;
import org.smimed.api.v1.ListIdentitiesResponse;
import org.smimed.daemon.cms.DigestAlgorithm;
import org.smimed.daemon.cms.InvalidRequestException;
import org.smimed.daemon.cms.SmimeCapabilities;
import org.smimed.daemon.keys.KeyRegistry;
import org.smimed.daemon.keys.KeyVersion;
import org.smimed.daemon.keys.NoUsableKeyException;
import org.smimed.daemon.keys.UnknownIdentityException;
import org.smimed.daemon.policy.AccessControl;
import org.smimed.daemon.policy.Caller;
import org.smimed.daemon.policy.CallerRule;
import org.smimed.daemon.policy.Operation;

/**
 * gRPC face of the read-only directory: identities, certificates, capabilities — only of the
 * identities the caller may sign as or decrypt for — and the limits the caller's requests meet.
 */
public final class DirectoryGrpcService extends DirectoryServiceGrpc.DirectoryServiceImplBase {
    private final SmimeCapabilities capabilities;
    private final KeyRegistry keys;
    private final StatusMapper statuses;
    private final AccessControl access;
    private final ServedLimits limits;

    /**
     * @param capabilities    what every identity announces: what this daemon decrypts
     * @param maxMessageBytes limits.maxMessageBytes
     * @param guards          the in-flight byte budgets and stream timeouts
     */
    public DirectoryGrpcService(KeyRegistry keys, StatusMapper statuses, AccessControl access,
                                SmimeCapabilities capabilities, int maxMessageBytes,
                                StreamGuards guards) {
        this.access = access;
        this.limits = ServedLimits.of(maxMessageBytes, guards);
        this.capabilities = capabilities;
        this.keys = keys;
        this.statuses = statuses;
    }

    @Override
    public void listIdentities(ListIdentitiesRequest request,
                               StreamObserver<ListIdentitiesResponse> response) {
        Unary.answer(response, statuses, () -> {
            ListIdentitiesResponse.Builder list = ListIdentitiesResponse.newBuilder();
            Caller caller = Callers.current();
            // A caller no entry admits is refused, as by every other call: an empty list read
            // as "no identities" to a Python client trial with a misconfigured certificate.
            access.entryFor(caller);
            for (String identity : keys.identities()) {
                if (mayUse(caller, identity)) {
                    list.addIdentities(describe(identity));
                }
            }
            return list.build();
        });
    }

    @Override
    public void getIdentity(GetIdentityRequest request, StreamObserver<Identity> response) {
        Unary.answer(response, statuses, () -> {
            if (request.getIdentity().isBlank()) {
                throw new InvalidRequestException("identity is required");
            }
            if (!mayUse(Callers.current(), request.getIdentity())) {
                throw access.denied(Callers.current(), "not permitted to use "
                        + request.getIdentity());
            }
            return describe(request.getIdentity());
        });
    }

    @Override
    public void getLimits(GetLimitsRequest request, StreamObserver<Limits> response) {
        Unary.answer(response, statuses, () -> {
            CallerRule entry = access.entryFor(Callers.current());
            return Limits.newBuilder()
                    .setMaxConcurrentCalls(entry.maxConcurrent().orElse(0))
                    .setDecryptsPerMinute(entry.decryptsPerMinute().orElse(0))
                    .setMaxMessageBytes(limits.maxMessageBytes())
                    .setMaxUnaryBytes(limits.unary().bytes())
                    .setMaxInFlightBytes(limits.inFlightBytesPerCaller())
                    .setDecryptMessageChargeBytes(limits.decryptMessageCharge())
                    .setMaxBatchDigests(SigningGrpcService.MAX_BATCH)
                    .setStreamIdleSeconds(Math.toIntExact(limits.streamIdle().toSeconds()))
                    .setMaxStreamSeconds(Math.toIntExact(limits.streamDuration().toSeconds()))
                    .build();
        });
    }

    private boolean mayUse(Caller caller, String identity) {
        return access.permits(caller, Operation.SIGN, identity)
                || access.permits(caller, Operation.DECRYPT, identity);
    }

    /**
     * The identity's current certificate (the signing version, else its newest version, with
     * {@code signs} false so no client takes it for a signer) and the version new mail is to
     * be encrypted to, if it has one.
     */
    private Identity describe(String identity) throws UnknownIdentityException,
            NoUsableKeyException, CertificateEncodingException, IOException {
        KeyVersion current;
        boolean signs = true;
        try {
            current = keys.signingKey(identity);
        } catch (NoUsableKeyException e) {
            List<KeyVersion> versions;
            try {
                versions = keys.versionsOf(identity);
            } catch (UnknownIdentityException onlyKeyless) {
                // Its only versions lost their private keys: say that, as Sign does, rather
                // than "unknown identity" (found by a review; smime sign asks here first).
                throw e;
            }
            current = versions.get(versions.size() - 1);
            signs = false;
        }
        Optional<KeyVersion> encryption = keys.encryptionKey(identity);
        Identity.Builder builder = Identity.newBuilder()
                .setSigns(signs)
                .setIdentity(current.identity())
                .setKeyVersion(current.id())
                .setKeyAlgorithm(ProtoMapping.keyAlgorithm(current.algorithm()))
                .setDigestAlgorithm(ProtoMapping.toProto(DigestAlgorithm.forKey(
                        current.algorithm())))
                .setSmimeCapabilities(ByteString.copyFrom(capabilities.encoded(encryption)));
        for (X509Certificate certificate : current.chain()) {
            builder.addCertificateChain(ByteString.copyFrom(certificate.getEncoded()));
        }
        if (encryption.isPresent()) {
            builder.setEncryptionKeyVersion(encryption.get().id())
                    .setEncryptionKeyAlgorithm(
                            ProtoMapping.keyAlgorithm(encryption.get().algorithm()));
            for (X509Certificate certificate : encryption.get().chain()) {
                builder.addEncryptionCertificateChain(
                        ByteString.copyFrom(certificate.getEncoded()));
            }
        }
        return builder.build();
    }
}
