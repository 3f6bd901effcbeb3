package org.smimed.daemon.testing;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.MethodDescriptor;
import io.grpc.stub.ClientCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.concurrent.TimeUnit;

/**
 * gRPC calls of any method name with raw bytes as the message: for methods no stub has (made
 * up, or officer-only ones called as someone else) and for requests that are not protobuf.
 */
public final class RawCalls {
    /** Bytes as they are, both ways. */
    public static final MethodDescriptor.Marshaller<byte[]> RAW =
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

    private RawCalls() {
    }

    /** A descriptor for {@code method} ("service/Method") of {@code type}, raw both ways. */
    public static MethodDescriptor<byte[], byte[]> method(String method,
                                                          MethodDescriptor.MethodType type) {
        return MethodDescriptor.newBuilder(RAW, RAW).setType(type).setFullMethodName(method)
                .build();
    }

    /** A blocking unary call of {@code method} with {@code request}, 30 s deadline. */
    public static byte[] unary(Channel channel, String method, byte[] request) {
        return ClientCalls.blockingUnaryCall(channel,
                method(method, MethodDescriptor.MethodType.UNARY),
                CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS), request);
    }
}
