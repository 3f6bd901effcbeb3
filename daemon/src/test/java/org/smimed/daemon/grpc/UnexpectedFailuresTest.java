package org.smimed.daemon.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import java.time.Clock;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.smimed.api.v1.SignRequest;
import org.smimed.api.v1.SignResponse;
import org.smimed.api.v1.SigningServiceGrpc;

/**
 * A service that throws an Error ends its call INTERNAL with a request id. Found by an interop
 * trial: a unary Sign whose class had gone (the jar replaced under the daemon) answered
 * UNKNOWN "Application error processing RPC".
 */
class UnexpectedFailuresTest {
    private static final StatusMapper STATUSES = new StatusMapper(Clock.systemUTC());

    /** A signing service whose code is gone. */
    private static final class Broken extends SigningServiceGrpc.SigningServiceImplBase {
        @Override
        public void sign(SignRequest request, StreamObserver<SignResponse> response) {
            throw new NoClassDefFoundError("org/smimed/daemon/token/EdDsaContentSigner");
        }
    }

    @Test
    void anErrorInAUnaryCall_isInternalWithItsRequestId() throws Exception {
        StatusRuntimeException guarded = call(true);
        StatusRuntimeException bare = call(false);

        assertThat(guarded.getStatus().getCode()).isEqualTo(Status.Code.INTERNAL);
        assertThat(guarded.getStatus().getDescription()).startsWith(
                "internal error, request id ");
        assertThat(bare.getStatus().getCode()).as("what grpc-java answers by itself")
                .isEqualTo(Status.Code.UNKNOWN);
    }

    /**
     * An interceptor below it that throws (authentication once did, on a certificate subject
     * the JDK could not read back: a security review) is INTERNAL too.
     */
    @Test
    void anInterceptorBelowThatThrows_isInternal() throws Exception {
        ServerInterceptor throwing = new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call,
                    Metadata headers, ServerCallHandler<Q, R> next) {
                throw new IllegalArgumentException("improperly specified input name");
            }
        };
        var service = ServerInterceptors.interceptForward(new Broken().bindService(),
                new RequestIds(), new UnexpectedFailures(STATUSES), throwing);

        StatusRuntimeException e = call("unexpected-failures-interceptor", service);

        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INTERNAL);
        assertThat(e.getStatus().getDescription()).startsWith("internal error, request id ");
    }

    private static StatusRuntimeException call(boolean guarded) throws Exception {
        String name = "unexpected-failures-" + guarded;
        var service = guarded
                ? ServerInterceptors.interceptForward(new Broken().bindService(),
                        new RequestIds(), new UnexpectedFailures(STATUSES))
                : ServerInterceptors.interceptForward(new Broken().bindService(),
                        new RequestIds());
        return call(name, service);
    }

    private static StatusRuntimeException call(String name,
                                               io.grpc.ServerServiceDefinition service)
            throws Exception {
        Server server = InProcessServerBuilder.forName(name).addService(service).build().start();
        ManagedChannel channel = InProcessChannelBuilder.forName(name).build();
        try {
            return catchThrowableOfType(() -> SigningServiceGrpc.newBlockingStub(channel)
                    .sign(SignRequest.getDefaultInstance()), StatusRuntimeException.class);
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }
}
