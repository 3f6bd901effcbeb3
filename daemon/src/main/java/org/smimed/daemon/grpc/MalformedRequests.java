package org.smimed.daemon.grpc;

import com.google.protobuf.Message;
import com.google.protobuf.UnknownFieldSet;
import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Answers a request message that is not valid protobuf (bad bytes, a truncated field, a string
 * that is not UTF-8) with INVALID_ARGUMENT, inside the audit record and with a request id.
 *
 * <p>Why this shape: grpc-java parses a request before any interceptor sees it and answers a
 * parse failure itself, with UNKNOWN "Application error processing RPC", a SEVERE stack trace
 * in the log for every such call, and none of the chain's request id or audit status. So
 * {@link #lenient} gives every served method a request marshaller that, where the generated
 * one would throw, returns the request type's default instance carrying a mark (an unknown
 * field with the largest field number, which no smimed message uses), and this interceptor
 * turns a marked message into INVALID_ARGUMENT. The service behind it sees a cancelled call
 * and never the marked message; whatever it still sends is dropped.
 */
final class MalformedRequests implements ServerInterceptor {
    /** The largest protobuf field number: never a field of smimed.proto. */
    private static final int MARK = 536_870_911;
    private static final UnknownFieldSet MARKED = mark(1);
    /** The mark of a compressed request larger than the limit once decompressed. */
    private static final UnknownFieldSet TOO_LARGE = mark(2);

    private static UnknownFieldSet mark(long kind) {
        return UnknownFieldSet.newBuilder()
                .addField(MARK, UnknownFieldSet.Field.newBuilder().addVarint(kind).build())
                .build();
    }

    /** {@code service} with request marshallers that mark what they cannot parse. */
    static ServerServiceDefinition lenient(ServerServiceDefinition service) {
        ServiceDescriptor original = service.getServiceDescriptor();
        ServiceDescriptor.Builder descriptor = ServiceDescriptor.newBuilder(original.getName())
                .setSchemaDescriptor(original.getSchemaDescriptor());
        List<ServerMethodDefinition<?, ?>> methods = new ArrayList<>();
        for (ServerMethodDefinition<?, ?> method : service.getMethods()) {
            ServerMethodDefinition<?, ?> marking = marking(method);
            methods.add(marking);
            descriptor.addMethod(marking.getMethodDescriptor());
        }
        ServerServiceDefinition.Builder rebuilt = ServerServiceDefinition.builder(
                descriptor.build());
        methods.forEach(rebuilt::addMethod);
        return rebuilt.build();
    }

    private static <Q, R> ServerMethodDefinition<Q, R> marking(ServerMethodDefinition<Q, R> m) {
        MethodDescriptor.Marshaller<Q> strict = m.getMethodDescriptor().getRequestMarshaller();
        if (!(strict instanceof MethodDescriptor.PrototypeMarshaller<Q> typed)
                || !(typed.getMessagePrototype() instanceof Message prototype)) {
            return m;
        }
        @SuppressWarnings("unchecked")
        Q marked = (Q) prototype.toBuilder().setUnknownFields(MARKED).build();
        @SuppressWarnings("unchecked")
        Q tooLarge = (Q) prototype.toBuilder().setUnknownFields(TOO_LARGE).build();
        MethodDescriptor.Marshaller<Q> lenient = new MethodDescriptor.PrototypeMarshaller<>() {
            @Override
            public InputStream stream(Q value) {
                return strict.stream(value);
            }

            @Override
            public Q parse(InputStream stream) {
                try {
                    return strict.parse(stream);
                } catch (StatusRuntimeException e) {
                    // A compressed message is measured as it is inflated, here: past the limit
                    // it is too large, not malformed (found by a fuzz trial).
                    return e.getStatus().getCode() == Status.Code.RESOURCE_EXHAUSTED
                            ? tooLarge : marked;
                }
            }

            @Override
            public Q getMessagePrototype() {
                return typed.getMessagePrototype();
            }

            @Override
            public Class<Q> getMessageClass() {
                return typed.getMessageClass();
            }
        };
        return ServerMethodDefinition.create(m.getMethodDescriptor().toBuilder()
                .setRequestMarshaller(lenient).build(), m.getServerCallHandler());
    }

    private static boolean isMarked(Object message) {
        return message instanceof Message m && m.getUnknownFields().hasField(MARK);
    }

    private static boolean isTooLarge(Object message) {
        return message instanceof Message m && m.getUnknownFields().equals(TOO_LARGE);
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                       ServerCallHandler<Q, R> next) {
        Refusal<Q, R> refusal = new Refusal<>(call);
        ServerCall.Listener<Q> inner = next.startCall(refusal, headers);
        return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(inner) {
            @Override
            public void onMessage(Q message) {
                if (refusal.refused) {
                    return;
                }
                if (isTooLarge(message)) {
                    refusal.refuse(Status.RESOURCE_EXHAUSTED.withDescription("gRPC message"
                            + " exceeds maximum size once decompressed: stream large content"
                            + " (SignStream, Decrypt)"));
                    super.onCancel();
                    return;
                }
                if (isMarked(message)) {
                    refusal.refuse(Status.INVALID_ARGUMENT.withDescription("malformed request:"
                            + " not a valid "
                            + ((Message) message).getDescriptorForType().getFullName()
                            + " (protobuf could not be parsed)"));
                    super.onCancel();
                    return;
                }
                super.onMessage(message);
            }

            @Override
            public void onHalfClose() {
                if (!refusal.refused) {
                    super.onHalfClose();
                }
            }

            @Override
            public void onReady() {
                if (!refusal.refused) {
                    super.onReady();
                }
            }

            @Override
            public void onCancel() {
                if (!refusal.refused) {
                    super.onCancel();
                }
            }

            @Override
            public void onComplete() {
                if (!refusal.refused) {
                    super.onComplete();
                }
            }
        };
    }

    /** The call as the service sees it: silent once the request was refused. */
    private static final class Refusal<Q, R>
            extends ForwardingServerCall.SimpleForwardingServerCall<Q, R> {
        private volatile boolean refused;
        private boolean closed;

        Refusal(ServerCall<Q, R> call) {
            super(call);
        }

        /** Closes the call with {@code status}, unless the service already closed it. */
        synchronized void refuse(Status status) {
            refused = true;
            if (!closed) {
                closed = true;
                super.close(status, new Metadata());
            }
        }

        // Synchronized with refuse(), so nothing reaches a call it has just closed.
        @Override
        public synchronized void sendHeaders(Metadata headers) {
            if (!refused) {
                super.sendHeaders(headers);
            }
        }

        @Override
        public synchronized void sendMessage(R message) {
            if (!refused) {
                super.sendMessage(message);
            }
        }

        @Override
        public synchronized void close(Status status, Metadata trailers) {
            if (!refused) {
                closed = true;
                super.close(status, trailers);
            }
        }

        @Override
        public boolean isCancelled() {
            return refused || super.isCancelled();
        }
    }
}
