package org.smimed.daemon.grpc;

import io.grpc.BindableService;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.ServerCredentials;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.TlsServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.smimed.daemon.config.DaemonConfig;

/** Builds the gRPC server: TLS unless the development flag says otherwise. */
public final class GrpcServer {
    private static final System.Logger LOG = System.getLogger(GrpcServer.class.getName());
    /** Room for protobuf framing around content of the maximum message size. */
    private static final int FRAMING_BYTES = 64 * 1024;

    private GrpcServer() {
    }

    /**
     * Builds and starts a server for {@code services} as {@code config} says. Interceptors run
     * in the order given, after the request id is assigned.
     */
    public static Server start(DaemonConfig config, List<BindableService> services,
                               List<ServerInterceptor> interceptors) throws IOException {
        NettyServerBuilder builder = NettyServerBuilder.forAddress(
                config.listen().socketAddress(), credentials(config));
        List<ServerInterceptor> chain = new ArrayList<>(interceptors);
        Collections.reverse(chain);
        // ServerInterceptors.intercept runs the last one first: the request id goes last.
        chain.add(new RequestIds());
        for (BindableService service : services) {
            builder.addService(ServerInterceptors.intercept(service, chain));
        }
        // Larger than the content limit so an oversized request gets our own INVALID_ARGUMENT
        // naming limits.maxMessageBytes rather than a transport error.
        builder.maxInboundMessageSize(config.limits().maxMessageBytes() + FRAMING_BYTES);
        return builder.build().start();
    }

    /**
     * A plaintext listener that serves only {@code health}: for orchestrators whose probes
     * cannot speak TLS. It exposes nothing but SERVING/NOT_SERVING.
     */
    public static Server startHealthOnly(DaemonConfig.Listen listen, BindableService health)
            throws IOException {
        return NettyServerBuilder.forAddress(listen.socketAddress(),
                InsecureServerCredentials.create()).addService(health).build().start();
    }

    private static ServerCredentials credentials(DaemonConfig config) throws IOException {
        if (config.tls().isEmpty()) {
            LOG.log(Level.WARNING, "development.plaintext is on: gRPC WITHOUT TLS on "
                    + config.listen().socketAddress() + "; never use this in production");
            return InsecureServerCredentials.create();
        }
        DaemonConfig.Tls tls = config.tls().get();
        return TlsServerCredentials.newBuilder()
                .keyManager(tls.certificateChain().toFile(), tls.privateKey().toFile())
                .build();
    }
}
