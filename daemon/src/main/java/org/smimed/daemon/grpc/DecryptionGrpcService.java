package org.smimed.daemon.grpc;

import com.google.protobuf.ByteString;
import io.grpc.BindableService;
import io.grpc.ServerInterceptors;
import io.grpc.stub.StreamObserver;
import java.io.InputStream;
import com.google.protobuf.UnsafeByteOperations;
import org.smimed.api.v1.DecryptMessageRequest;
import org.smimed.api.v1.DecryptMessageResponse;
import org.smimed.api.v1.DecryptRequest;
import org.smimed.api.v1.DecryptResponse;
import org.smimed.api.v1.DecryptResult;
import org.smimed.api.v1.DecryptionServiceGrpc;
import org.smimed.daemon.cms.ContentCipher;
import org.smimed.daemon.cms.DecryptedMessage;
import org.smimed.daemon.cms.InvalidRequestException;
import org.smimed.daemon.cms.OpenedEnvelope;
import org.smimed.daemon.cms.PlaintextStream;
import org.smimed.daemon.decryption.Decryption;
import org.smimed.daemon.keys.KeyVersion;
import org.smimed.daemon.policy.Caller;
import org.smimed.daemon.policy.InFlightBytes;

/**
 * gRPC face of decryption, streamed both ways in bounded memory ({@link DecryptStream}: size
 * limit, in-flight byte budgets, idle and total timeouts, flow control). A worker (for a small
 * message sent in one request, gRPC's handler thread once it has all arrived) has
 * {@link Decryption} authorize the call, read the envelope's header and recover the key in the
 * token, then sends who decrypted it and the plaintext in chunks of up to {@link #CHUNK_BYTES}
 * as it is decrypted.
 *
 * <p>Security guarantee for AuthEnvelopedData (RFC 5083): the last chunk of plaintext is held
 * back until the authentication tag has verified and the rest of the message is well formed,
 * and the call ends OK only then. Earlier chunks are unauthenticated when they leave: a client
 * must treat plaintext as void unless the call ends OK (the proto says so; {@code smime
 * decrypt} writes to a temporary file and renames it only on OK). Withholding everything
 * instead would need the whole plaintext in memory, which a 256 MiB message in a 64 MiB heap
 * cannot have.
 */
public final class DecryptionGrpcService extends DecryptionServiceGrpc.DecryptionServiceImplBase {
    /** Plaintext bytes per response message, at most. */
    static final int CHUNK_BYTES = 64 * 1024;
    /**
     * The first read's size: a message of a few KiB (most mail) then needs no 64 KiB buffer;
     * the buffer grows to {@link #CHUNK_BYTES} as soon as a read fills it.
     */
    private static final int FIRST_CHUNK_BYTES = 8 * 1024;

    private final Decryption decryption;
    private final StatusMapper statuses;
    private final int maxMessageBytes;
    /** DecryptMessage holds the message and its plaintext in memory: larger ones stream. */
    private final UnaryLimit unaryLimit;
    private final StreamGuards guards;
    /** Charges DecryptMessage's request before gRPC reads it whole. */
    private final MessageIntake intake;

    /**
     * @param guards the in-flight byte budgets and stream timeouts (owned by the caller)
     */
    public DecryptionGrpcService(Decryption decryption, StatusMapper statuses,
                                 int maxMessageBytes, StreamGuards guards) {
        this.guards = guards;
        this.decryption = decryption;
        this.statuses = statuses;
        this.maxMessageBytes = maxMessageBytes;
        ServedLimits limits = ServedLimits.of(maxMessageBytes, guards);
        this.unaryLimit = limits.unary();
        this.intake = new MessageIntake(DecryptionServiceGrpc.getDecryptMessageMethod(),
                guards, limits.decryptMessageCharge(), statuses);
    }

    /** This service as it must be served: DecryptMessage's request charged before it is read. */
    public BindableService served() {
        return () -> ServerInterceptors.intercept(bindService(), intake);
    }

    @Override
    public StreamObserver<DecryptRequest> decrypt(StreamObserver<DecryptResponse> response) {
        Caller caller = Callers.current();
        return new DecryptStream(response, statuses, guards, caller.name(), maxMessageBytes,
                (identity, message, call) -> decrypt(caller, identity, message, call));
    }

    private void decrypt(Caller caller, String identity, InputStream message, DecryptStream call)
            throws Exception {
        decryption.authorize(caller, identity);
        OpenedEnvelope envelope = decryption.open(message, maxMessageBytes);
        call.headerRead();
        PlaintextStream plaintext = decryption.decrypt(caller, identity, envelope);
        call.send(DecryptResponse.newBuilder()
                .setResult(result(plaintext.key(), plaintext.cipher())).build());
        byte[] buffer = new byte[FIRST_CHUNK_BYTES];
        int n = plaintext.read(buffer);
        ByteString held = ByteString.copyFrom(buffer, 0, n);
        while (n == buffer.length) {
            if (buffer.length < CHUNK_BYTES) {
                buffer = new byte[CHUNK_BYTES];
            }
            n = plaintext.read(buffer); // the read that reaches the end verifies the tag
            call.send(chunk(held));
            held = ByteString.copyFrom(buffer, 0, n);
        }
        plaintext.finish();
        if (!held.isEmpty()) {
            call.send(chunk(held));
        }
        call.complete();
    }

    @Override
    public void decryptMessage(DecryptMessageRequest request,
                               StreamObserver<DecryptMessageResponse> response) {
        Caller caller = Callers.current();
        // Charged against the same in-flight budgets as streams, until the answer is sent: the
        // largest message it may be, before gRPC read it (MessageIntake), and any excess now.
        InFlightBytes.Reservation reserved = MessageIntake.RESERVED.get();
        try (InFlightBytes.Reservation held = reserved != null ? reserved
                : guards.bytes().open(caller.name())) {
            ByteString message = request.getMessage();
            if (message.isEmpty()) {
                throw new InvalidRequestException("empty message: send the CMS EnvelopedData"
                        + " or AuthEnvelopedData in the message field");
            }
            unaryLimit.check("message", message.size(), "DecryptMessage", "stream it with Decrypt");
            held.grow(Math.max(0, message.size() - (reserved != null ? intake.reserve() : 0)));
            decryption.authorize(caller, request.getIdentity());
            DecryptedMessage plaintext = decryption.decrypt(caller, request.getIdentity(),
                    message.toByteArray());
            response.onNext(DecryptMessageResponse.newBuilder()
                    .setResult(result(plaintext.key(), plaintext.cipher()))
                    // A fresh array, never touched again: wrap, do not copy.
                    .setPlaintext(UnsafeByteOperations.unsafeWrap(plaintext.plaintext()))
                    .build());
            response.onCompleted();
        } catch (Exception e) {
            response.onError(statuses.toStatus(e));
        }
    }

    private static DecryptResult result(KeyVersion key, ContentCipher cipher) {
        return DecryptResult.newBuilder()
                .setIdentity(key.identity())
                .setKeyVersion(key.id())
                .setContentEncryptionAlgorithm(cipher.oid().getId())
                .setAuthenticated(cipher.authenticated())
                .setLegacyAlgorithm(cipher.legacy())
                .build();
    }

    private static DecryptResponse chunk(ByteString bytes) {
        return DecryptResponse.newBuilder().setChunk(bytes).build();
    }
}
