package org.smimed.daemon.grpc;

import io.grpc.BindableService;
import io.grpc.HandlerRegistry;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executor;
import org.smimed.daemon.audit.AuditLog;
import org.smimed.daemon.policy.AccessControl;
import org.smimed.daemon.policy.ClientCertificateVerifier;

/**
 * The chain every call passes, in this order: request id, audit record, anything unexpected
 * below made INTERNAL, caller authentication, malformed-request refusal, officer guard and
 * concurrency limit, then the service. Used for every
 * listener and for
 * methods the daemon does not serve, so no call escapes authentication or the audit log.
 */
public final class CallSecurity {
    private final List<ServerInterceptor> chain;
    private final SessionAuthentication authentication;

    public CallSecurity(AuditLog audit, UnverifiedCallRecords unverified,
                        Optional<ClientCertificateVerifier> verifier,
                        boolean anonymousAllowed, AccessControl access, StatusMapper statuses) {
        this(new SessionAuthentication(verifier, anonymousAllowed), audit, unverified, access,
                statuses);
    }

    private CallSecurity(SessionAuthentication authentication, AuditLog audit,
                         UnverifiedCallRecords unverified, AccessControl access,
                         StatusMapper statuses) {
        this(List.of(new RequestIds(), new AuditInterceptor(audit, statuses, unverified),
                new UnexpectedFailures(statuses),
                new AuthenticationInterceptor(authentication, statuses),
                new MalformedRequests(), new AccessInterceptor(access, statuses)),
                authentication);
    }

    private CallSecurity(List<ServerInterceptor> chain, SessionAuthentication authentication) {
        this.chain = List.copyOf(chain);
        this.authentication = authentication;
    }

    /** Runs authenticated calls on {@code handlers}, refused ones where they were read. */
    CallPlacement placement(Executor handlers) {
        return new CallPlacement(authentication, handlers);
    }

    /**
     * The same chain with {@code observer} right after the request id, so it sees every call,
     * refused ones included (metrics).
     */
    public CallSecurity observedBy(ServerInterceptor observer) {
        List<ServerInterceptor> observed = new java.util.ArrayList<>(chain);
        observed.add(1, observer);
        return new CallSecurity(observed, authentication);
    }

    /** {@code service} behind the whole chain. */
    public ServerServiceDefinition wrap(BindableService service) {
        return ServerInterceptors.interceptForward(
                MalformedRequests.lenient(service.bindService()), chain);
    }

    /**
     * Answers methods no service registered: UNIMPLEMENTED, but only after the chain, so the
     * call is authenticated, guarded and audited like any other. Their descriptors, and only
     * theirs, have type UNKNOWN: the metrics count them under one "unknown" series by it.
     */
    public HandlerRegistry unknownMethods() {
        return new HandlerRegistry() {
            @Override
            public ServerMethodDefinition<?, ?> lookupMethod(String method, String authority) {
                String service = MethodDescriptor.extractFullServiceName(method);
                if (service == null) {
                    return null;
                }
                MethodDescriptor<byte[], byte[]> descriptor = MethodDescriptor
                        .newBuilder(RAW, RAW).setType(MethodDescriptor.MethodType.UNKNOWN)
                        .setFullMethodName(method).build();
                ServerServiceDefinition definition = ServerServiceDefinition.builder(service)
                        .addMethod(descriptor, (call, headers) -> {
                            call.close(Status.UNIMPLEMENTED.withDescription(
                                    "method not found: " + method), new Metadata());
                            return new ServerCall.Listener<>() { };
                        }).build();
                return ServerInterceptors.interceptForward(definition, chain).getMethod(method);
            }
        };
    }

    private static final MethodDescriptor.Marshaller<byte[]> RAW =
            new MethodDescriptor.Marshaller<>() {
                @Override
                public InputStream stream(byte[] value) {
                    return new ByteArrayInputStream(value);
                }

                @Override
                public byte[] parse(InputStream stream) {
                    try {
                        return stream.readAllBytes();
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
            };
}
