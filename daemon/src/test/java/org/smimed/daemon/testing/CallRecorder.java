package org.smimed.daemon.testing;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.smimed.api.v1.DecryptRequest;

/**
 * A client interceptor that records what a client sends: the RPCs it starts, and for each
 * Decrypt request its chunk size and identity.
 */
public final class CallRecorder implements ClientInterceptor {
    public final List<String> methods = new CopyOnWriteArrayList<>();
    public final List<Integer> chunkSizes = new CopyOnWriteArrayList<>();
    public final List<String> identities = new CopyOnWriteArrayList<>();

    @Override
    public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method,
                                                 CallOptions options, Channel next) {
        methods.add(method.getBareMethodName());
        return new ForwardingClientCall.SimpleForwardingClientCall<>(
                next.newCall(method, options)) {
            @Override
            public void sendMessage(Q message) {
                if (message instanceof DecryptRequest request) {
                    chunkSizes.add(request.getChunk().size());
                    identities.add(request.getIdentity());
                }
                super.sendMessage(message);
            }
        };
    }

    /**
     * An interceptor that answers calls of {@code bareMethod} with UNIMPLEMENTED before they
     * reach the daemon, as a daemon without that method would: an older daemon in tests.
     */
    public static ClientInterceptor without(String bareMethod) {
        return new ClientInterceptor() {
            @Override
            public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method,
                                                         CallOptions options, Channel next) {
                if (!method.getBareMethodName().equals(bareMethod)) {
                    return next.newCall(method, options);
                }
                return new ClientCall<>() {
                    @Override
                    public void start(Listener<R> listener, Metadata headers) {
                        listener.onClose(Status.UNIMPLEMENTED.withDescription(
                                "Method not found: " + method.getFullMethodName()), new Metadata());
                    }

                    @Override
                    public void request(int n) {
                    }

                    @Override
                    public void cancel(String message, Throwable cause) {
                    }

                    @Override
                    public void halfClose() {
                    }

                    @Override
                    public void sendMessage(Q message) {
                    }
                };
            }
        };
    }
}
