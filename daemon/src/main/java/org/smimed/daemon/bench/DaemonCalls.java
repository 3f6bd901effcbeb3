package org.smimed.daemon.bench;

import com.google.protobuf.ByteString;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import com.google.common.util.concurrent.ListenableFuture;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.cms.CMSAuthEnvelopedDataGenerator;
import org.bouncycastle.cms.CMSProcessableByteArray;
import org.bouncycastle.cms.jcajce.JceCMSContentEncryptorBuilder;
import org.bouncycastle.cms.jcajce.JceKeyTransRecipientInfoGenerator;
import org.bouncycastle.cms.CMSAlgorithm;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.operator.OutputAEADEncryptor;
import org.smimed.api.v1.DecryptMessageRequest;
import org.smimed.api.v1.DecryptRequest;
import org.smimed.api.v1.DecryptResponse;
import org.smimed.api.v1.DecryptionServiceGrpc;
import org.smimed.api.v1.Digest;
import org.smimed.api.v1.DigestAlgorithm;
import org.smimed.api.v1.DirectoryServiceGrpc;
import org.smimed.api.v1.GetIdentityRequest;
import org.smimed.api.v1.SignBatchRequest;
import org.smimed.api.v1.SignRequest;
import org.smimed.api.v1.SigningServiceGrpc;

/**
 * The daemon side of each workload: real gRPC calls over the channel the user configured. The
 * payloads (digests, content, encrypted messages) are prepared once, before timing starts.
 */
final class DaemonCalls {
    private static final int CHUNK = 64 * 1024;
    private static final long PROBE_SECONDS = 10;

    private final Channel channel;
    private final String identity;
    private final long deadlineSeconds;

    DaemonCalls(Channel channel, String identity, long deadlineSeconds) {
        this.channel = channel;
        this.identity = identity;
        this.deadlineSeconds = deadlineSeconds;
    }

    /**
     * Fails in one line if the daemon at {@code target} cannot be reached: without it, callers
     * whose every call fails at once (connection refused) spun through all the runs and the
     * tool exited 0. Other refusals (an identity not served, a caller not allowed) are left to
     * the runs, which count them by status and stop after a run in which every call failed.
     */
    void requireReachable(String target) {
        try {
            DirectoryServiceGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(Math.min(deadlineSeconds, PROBE_SECONDS), TimeUnit.SECONDS)
                    .getIdentity(GetIdentityRequest.newBuilder().setIdentity(identity).build());
        } catch (StatusRuntimeException e) {
            Status.Code code = e.getStatus().getCode();
            if (code == Status.Code.UNAVAILABLE || code == Status.Code.DEADLINE_EXCEEDED) {
                Throwable cause = e.getCause();
                throw new IllegalArgumentException("cannot reach smimed at " + target + ": "
                        + code + (cause == null || cause.getMessage() == null ? ""
                                : " (" + cause.getMessage() + ")"), e);
            }
        }
    }

    /** Prepares the payload for {@code workload} and returns a factory of per-thread calls. */
    Prepared prepare(Workload workload, int largeBytes,
                     java.util.Optional<java.nio.file.Path> largeMessage) throws Exception {
        if (workload == Workload.DECRYPT_LARGE && largeMessage.isPresent()) {
            byte[] message = java.nio.file.Files.readAllBytes(largeMessage.get());
            return Prepared.blocking(() -> () -> decrypt(message));
        }
        byte[] content = new byte[Math.max(workload.bytes(largeBytes), 0)];
        new SecureRandom().nextBytes(content);
        return switch (workload) {
            case SIGN_DIGEST -> {
                SignRequest request = SignRequest.newBuilder().setIdentity(identity)
                        .setDigest(Digest.newBuilder()
                                .setAlgorithm(DigestAlgorithm.DIGEST_ALGORITHM_SHA256)
                                .setValue(ByteString.copyFrom(MessageDigest
                                        .getInstance("SHA-256").digest(content)))).build();
                yield signing(request);
            }
            case SIGN_BATCH_64 -> {
                SignBatchRequest.Builder batch = SignBatchRequest.newBuilder()
                        .setIdentity(identity);
                MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
                for (int i = 0; i < workload.operationsPerCall(); i++) {
                    batch.addDigests(Digest.newBuilder()
                            .setAlgorithm(DigestAlgorithm.DIGEST_ALGORITHM_SHA256)
                            .setValue(ByteString.copyFrom(sha256.digest(
                                    (i + ":" + content.length).getBytes()))));
                }
                SignBatchRequest request = batch.build();
                var stub = SigningServiceGrpc.newBlockingStub(channel);
                yield Prepared.blocking(() -> () -> stub.withDeadlineAfter(deadlineSeconds,
                        TimeUnit.SECONDS).signBatch(request));
            }
            case SIGN_CONTENT_4K, SIGN_CONTENT_1M -> {
                SignRequest request = SignRequest.newBuilder().setIdentity(identity)
                        .setContent(ByteString.copyFrom(content)).build();
                yield signing(request);
            }
            case DECRYPT_4K -> {
                DecryptMessageRequest request = DecryptMessageRequest.newBuilder()
                        .setMessage(ByteString.copyFrom(encryptTo(certificate(), content)))
                        .build();
                var future = DecryptionServiceGrpc.newFutureStub(channel);
                AsyncOperation async = () -> completable(future.withDeadlineAfter(
                        deadlineSeconds, TimeUnit.SECONDS).decryptMessage(request));
                yield new Prepared(() -> {
                    var stub = DecryptionServiceGrpc.newBlockingStub(channel);
                    return () -> stub.withDeadlineAfter(deadlineSeconds, TimeUnit.SECONDS)
                            .decryptMessage(request);
                }, java.util.Optional.of(async));
            }
            case DECRYPT_4K_STREAM, DECRYPT_LARGE -> {
                byte[] message = encryptTo(certificate(), content);
                yield Prepared.blocking(() -> () -> decrypt(message));
            }
        };
    }

    private Prepared signing(SignRequest request) {
        var future = SigningServiceGrpc.newFutureStub(channel);
        AsyncOperation async = () -> completable(future.withDeadlineAfter(deadlineSeconds,
                TimeUnit.SECONDS).sign(request));
        return new Prepared(() -> {
            var stub = SigningServiceGrpc.newBlockingStub(channel);
            return () -> stub.withDeadlineAfter(deadlineSeconds, TimeUnit.SECONDS).sign(request);
        }, java.util.Optional.of(async));
    }

    /** Completes on the thread that finishes the call (gRPC's), without another hand-off. */
    private static <T> CompletableFuture<T> completable(ListenableFuture<T> call) {
        CompletableFuture<T> done = new CompletableFuture<>();
        call.addListener(() -> {
            try {
                done.complete(call.get());
            } catch (ExecutionException e) {
                done.completeExceptionally(e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                done.completeExceptionally(e);
            }
        }, Runnable::run);
        return done;
    }

    private X509Certificate certificate() throws Exception {
        byte[] der = DirectoryServiceGrpc.newBlockingStub(channel)
                .withDeadlineAfter(deadlineSeconds, TimeUnit.SECONDS)
                .getIdentity(GetIdentityRequest.newBuilder().setIdentity(identity).build())
                .getCertificateChain(0).toByteArray();
        return (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(der));
    }

    private byte[] encryptTo(X509Certificate recipient, byte[] content) throws Exception {
        if (!"RSA".equals(recipient.getPublicKey().getAlgorithm())) {
            // The token baseline of the decrypt workloads is an RSA decryption: an EC identity
            // (ECDH) would compare unlike operations (an outside trial got a stack trace).
            throw new IllegalArgumentException("the decrypt workloads need an RSA identity (RSA"
                    + " key transport, measured against the token's RSA decryption); '"
                    + identity + "' has an " + recipient.getPublicKey().getAlgorithm() + " key");
        }
        BouncyCastleProvider bc = new BouncyCastleProvider();
        CMSAuthEnvelopedDataGenerator generator = new CMSAuthEnvelopedDataGenerator();
        generator.addRecipientInfoGenerator(
                new JceKeyTransRecipientInfoGenerator(recipient).setProvider(bc));
        return generator.generate(new CMSProcessableByteArray(content),
                (OutputAEADEncryptor) new JceCMSContentEncryptorBuilder(CMSAlgorithm.AES256_GCM)
                        .setProvider(bc).build()).getEncoded();
    }

    private void decrypt(byte[] message) throws Exception {
        CompletableFuture<Void> done = new CompletableFuture<>();
        StreamObserver<DecryptRequest> requests = DecryptionServiceGrpc.newStub(channel)
                .withDeadlineAfter(deadlineSeconds, TimeUnit.SECONDS)
                .decrypt(new StreamObserver<DecryptResponse>() {
                    @Override
                    public void onNext(DecryptResponse value) {
                        // Plaintext is discarded: the client's own work is not under test.
                    }

                    @Override
                    public void onError(Throwable t) {
                        done.completeExceptionally(t);
                    }

                    @Override
                    public void onCompleted() {
                        done.complete(null);
                    }
                });
        for (int offset = 0; offset < message.length; offset += CHUNK) {
            requests.onNext(DecryptRequest.newBuilder().setChunk(ByteString.copyFrom(message,
                    offset, Math.min(CHUNK, message.length - offset))).build());
        }
        requests.onCompleted();
        done.get(deadlineSeconds, TimeUnit.SECONDS);
    }
}
