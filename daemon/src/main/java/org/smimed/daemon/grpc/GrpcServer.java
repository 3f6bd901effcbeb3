package org.smimed.daemon.grpc;

import io.grpc.BindableService;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.ServerCredentials;
import io.grpc.ServerInterceptors;
import io.grpc.TlsServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.util.List;
import org.smimed.daemon.config.DaemonConfig;

/** Builds the gRPC server: TLS unless the development flag says otherwise. */
public final class GrpcServer {
    private static final System.Logger LOG = System.getLogger(GrpcServer.class.getName());
    /** Room for protobuf framing around content of the maximum message size. */
    private static final int FRAMING_BYTES = 64 * 1024;

    private GrpcServer() {
    }

    /** Builds and starts a server for {@code services} as {@code config} says. */
    public static Server start(DaemonConfig config, List<BindableService> services)
            throws IOException {
        NettyServerBuilder builder = NettyServerBuilder.forAddress(
                config.listen().socketAddress(), credentials(config));
        RequestIds requestIds = new RequestIds();
        for (BindableService service : services) {
            builder.addService(ServerInterceptors.intercept(service, requestIds));
        }
        // Larger than the content limit so an oversized request gets our own INVALID_ARGUMENT
        // naming limits.maxMessageBytes rather than a transport error.
        builder.maxInboundMessageSize(config.limits().maxMessageBytes() + FRAMING_BYTES);
        return builder.build().start();
    }

    /**
     * Builds and starts the admin server: its own address, its own TLS or the server's, only
     * {@code services}. Credentials are chosen in one place so mutual TLS can be added here.
     */
    public static Server startAdmin(DaemonConfig config, DaemonConfig.Admin admin,
                                    List<BindableService> services) throws IOException {
        ServerCredentials credentials = admin.tls().isPresent()
                ? TlsServerCredentials.newBuilder()
                        .keyManager(admin.tls().get().certificateChain().toFile(),
                                admin.tls().get().privateKey().toFile()).build()
                : credentials(config);
        NettyServerBuilder builder = NettyServerBuilder.forAddress(
                admin.listen().socketAddress(), credentials);
        RequestIds requestIds = new RequestIds();
        for (BindableService service : services) {
            builder.addService(ServerInterceptors.intercept(service, requestIds));
        }
        builder.maxInboundMessageSize(config.limits().maxMessageBytes() + FRAMING_BYTES);
        return builder.build().start();
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
