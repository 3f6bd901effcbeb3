package org.smimed.daemon.grpc;

import io.grpc.BindableService;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.OpenSsl;
import io.grpc.netty.shaded.io.netty.handler.ssl.OpenSslCachingX509KeyManagerFactory;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslProvider;
import io.grpc.netty.shaded.io.netty.handler.ssl.util.KeyManagerFactoryWrapper;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLException;
import org.smimed.api.v1.DecryptionServiceGrpc;
import org.smimed.api.v1.DirectoryServiceGrpc;
import org.smimed.api.v1.SigningServiceGrpc;
import org.smimed.daemon.config.ConfigFileException;
import org.smimed.daemon.config.DaemonConfig;
import org.smimed.daemon.config.Listener;
import org.smimed.daemon.config.ListenerBindException;
import org.smimed.daemon.tls.ServerCertificate;

/**
 * Builds gRPC listeners: TLS (1.3, or 1.2 and 1.3 by config) asking every client for its
 * certificate, unless the development flag says plaintext; every service and every unknown
 * method behind {@link CallSecurity}. The server certificate is asked of a
 * {@link ServerCertificate} in each handshake, so a renewed one serves new connections.
 */
public final class GrpcServer {
    private static final System.Logger LOG = System.getLogger(GrpcServer.class.getName());
    /** Room for protobuf framing around content of the largest unary request. */
    private static final int FRAMING_BYTES = 64 * 1024;
    /** The services clients call, whose serving status the health service reports. */
    public static final List<String> CLIENT_SERVICES = List.of(
            SigningServiceGrpc.SERVICE_NAME, DecryptionServiceGrpc.SERVICE_NAME,
            DirectoryServiceGrpc.SERVICE_NAME);
    /** The largest Decrypt chunk a client is expected to send (the client stub's). */
    private static final int STREAM_CHUNK_BYTES = 256 * 1024;
    /** Per-stream HTTP/2 window: a client may be 1 MiB ahead of the daemon, no more. */
    private static final int FLOW_CONTROL_WINDOW = 1024 * 1024;
    /** Ping a silent client after a minute; drop it if it does not answer in 20 s. */
    private static final Duration KEEPALIVE = Duration.ofSeconds(60);
    private static final Duration KEEPALIVE_TIMEOUT = Duration.ofSeconds(20);
    /**
     * Clients pinging more often than this are misbehaving (gRPC closes with ENHANCE_YOUR_CALM).
     * 5 s: the client stub pings every 10 s (gRPC's own minimum) during calls, so that a
     * frozen daemon is left within seconds, not after every call's deadline; half that leaves
     * room for clients whose timers run early.
     */
    private static final Duration PERMIT_KEEPALIVE = Duration.ofSeconds(5);
    private static final int MAX_CALLS_PER_CONNECTION = 256;
    private static final int MAX_RESETS_PER_WINDOW = 4 * MAX_CALLS_PER_CONNECTION;
    private static final int RESET_WINDOW_SECONDS = 10;
    private static final int MAX_METADATA_BYTES = 16 * 1024;
    private static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(20);

    private GrpcServer() {
    }

    /**
     * Builds and starts a server for {@code services} on the configured listen address, their
     * handlers running on {@code handlers} (a pool sized on purpose, not gRPC's unbounded
     * default: see {@code operations.workerThreads}); TLS with {@code certificate}, or
     * plaintext without one (development.plaintext).
     */
    public static Server start(DaemonConfig config, Optional<ServerCertificate> certificate,
                               List<BindableService> services, CallSecurity security,
                               Executor handlers) throws IOException {
        return start(config, certificate, Listener.CLIENT, config.listen(), services, security,
                handlers);
    }

    /**
     * Builds and starts the key-administration listener: its own address, its own server
     * certificate or the client listener's, callers verified and audited by the same chain,
     * officers' calls on {@code officers}.
     */
    public static Server startAdmin(DaemonConfig config, DaemonConfig.Admin admin,
                                    Optional<ServerCertificate> certificate,
                                    List<BindableService> services, CallSecurity security,
                                    Executor officers) throws IOException {
        return start(config, certificate, Listener.ADMIN, admin.listen(), services, security,
                officers);
    }

    private static Server start(DaemonConfig config, Optional<ServerCertificate> certificate,
                                Listener listener, DaemonConfig.Listen listen,
                                List<BindableService> services, CallSecurity security,
                                Executor handlers) throws IOException {
        InetSocketAddress address = listen.socketAddress();
        NettyServerBuilder builder = certificate.isEmpty()
                ? plaintext(address)
                : NettyServerBuilder.forAddress(address).sslContext(tls(certificate.get()));
        // Work for a new call is done where it was read until the call authenticates, then
        // on the handlers: see CallPlacement (a flood of reset calls exhausted the heap).
        builder.directExecutor().callExecutor(security.placement(handlers));
        builder.addTransportFilter(HealthWatchPlace.perConnection());
        for (BindableService service : services) {
            builder.addService(security.wrap(service));
        }
        builder.fallbackHandlerRegistry(security.unknownMethods());
        // gRPC holds each inbound message whole, so this bounds one call's memory before any
        // budget is checked (UnaryLimit). A little over that limit, so a request just past it
        // gets our own INVALID_ARGUMENT naming the limit rather than a transport error.
        // At least a client stub's Decrypt chunk, too: with a small maxMessageBytes its first
        // 256 KiB chunk was a transport RESOURCE_EXHAUSTED naming no limit (found by a
        // README trial); the daemon's own count then refuses the message by name.
        builder.maxInboundMessageSize(Math.max(STREAM_CHUNK_BYTES,
                UnaryLimit.of(config.limits().maxMessageBytes()).bytes()) + FRAMING_BYTES);
        transportLimits(builder, config.limits());
        return bind(builder.build(), listener, listen);
    }

    /**
     * The least gRPC may read of one request message before the daemon sees it, whatever
     * limits.maxMessageBytes: what a DecryptMessage must be charged at least.
     */
    static int leastInboundBytes() {
        return STREAM_CHUNK_BYTES + FRAMING_BYTES;
    }

    /** Starts {@code server}; only binding can fail here, so the failure names the listener. */
    private static Server bind(Server server, Listener listener, DaemonConfig.Listen listen)
            throws ListenerBindException {
        try {
            return server.start();
        } catch (IOException e) {
            throw new ListenerBindException(listener, listen, e);
        }
    }

    /**
     * Transport limits set on purpose rather than inherited: how much one stream may send ahead
     * of the daemon (flow-control window), how long an idle connection or a silent peer is kept,
     * how many calls one connection may run, and how long a TLS handshake may take.
     */
    private static void transportLimits(NettyServerBuilder builder, DaemonConfig.Limits limits) {
        builder.flowControlWindow(FLOW_CONTROL_WINDOW)
                .maxConnectionIdle(limits.connectionIdle().toSeconds(), TimeUnit.SECONDS)
                .keepAliveTime(KEEPALIVE.toSeconds(), TimeUnit.SECONDS)
                .keepAliveTimeout(KEEPALIVE_TIMEOUT.toSeconds(), TimeUnit.SECONDS)
                .permitKeepAliveTime(PERMIT_KEEPALIVE.toSeconds(), TimeUnit.SECONDS)
                .maxConcurrentCallsPerConnection(MAX_CALLS_PER_CONNECTION)
                // A connection resetting calls faster than this is closed (HTTP/2 "rapid
                // reset", CVE-2023-44487): a client that gives up every call it has in flight
                // several times over in ten seconds is attacking, not waiting.
                .maxRstFramesPerWindow(MAX_RESETS_PER_WINDOW, RESET_WINDOW_SECONDS)
                .maxInboundMetadataSize(MAX_METADATA_BYTES)
                .handshakeTimeout(HANDSHAKE_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    }

    /**
     * A plaintext listener that serves only {@code health}: for orchestrators whose probes
     * cannot speak TLS. It exposes nothing but SERVING/NOT_SERVING, under the same transport
     * limits as the other listeners (else one connection could hold any number of Watches).
     */
    public static Server startHealthOnly(DaemonConfig.Listen listen, DaemonConfig.Limits limits,
                                         BindableService health) throws IOException {
        // Health answers from memory: on the transport thread, so no call queues anywhere.
        NettyServerBuilder builder = NettyServerBuilder.forAddress(listen.socketAddress(),
                InsecureServerCredentials.create()).addService(health).directExecutor();
        transportLimits(builder, limits);
        return bind(builder.build(), Listener.HEALTH, listen);
    }

    /**
     * Server reflection, v1 and the older v1alpha, which many tools (grpcurl among them) still
     * ask for.
     */
    @SuppressWarnings("deprecation")
    public static List<BindableService> reflection() {
        return List.of(ProtoReflectionServiceV1.newInstance(),
                io.grpc.protobuf.services.ProtoReflectionService.newInstance());
    }

    private static NettyServerBuilder plaintext(InetSocketAddress address) {
        LOG.log(Level.WARNING, "development.plaintext is on: gRPC WITHOUT TLS on " + address
                + "; every caller is anonymous; never use this in production");
        return NettyServerBuilder.forAddress(address, InsecureServerCredentials.create());
    }

    /**
     * BoringSSL (bundled with grpc-netty-shaded) where it loads: the JDK's SSLEngine cost more
     * CPU per call than the token's ECDSA signature did. The JDK is the fallback on platforms
     * without the bundled library.
     */
    private static SslProvider provider() {
        return OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
    }

    /**
     * The server's TLS context, taking its chain and key from {@code certificate} in every
     * handshake, so that a pair replaced on disk serves new connections; one the TLS library
     * still refuses is a configuration problem naming its key ("tls." or "admin.tls.").
     */
    private static SslContext tls(ServerCertificate certificate) throws IOException {
        DaemonConfig.Tls tls = certificate.settings();
        String chainKey = certificate.configPrefix() + "certificateChain";
        String keyKey = certificate.configPrefix() + "privateKey";
        SslProvider provider = provider();
        KeyManagerFactory keys = new KeyManagerFactoryWrapper(certificate.keyManager());
        // OpenSSL would otherwise convert the chain and key for every handshake; its cache is
        // by alias, and each pair has an alias of its own, so it never serves a replaced one.
        SslContextBuilder builder = GrpcSslContexts.configure(SslContextBuilder.forServer(
                provider == SslProvider.OPENSSL ? new OpenSslCachingX509KeyManagerFactory(keys)
                        : keys), provider);
        builder.protocols(tls.minVersion() == DaemonConfig.TlsVersion.TLS_1_2
                ? new String[] {"TLSv1.3", "TLSv1.2"} : new String[] {"TLSv1.3"});
        if (tls.clientCaCertificates().isPresent()) {
            builder.clientAuth(ClientAuth.OPTIONAL).trustManager(new DeferredClientTrust());
        } else {
            LOG.log(Level.WARNING, "development.anonymousCallers is on and no"
                    + " tls.clientCaCertificates: callers are not identified");
        }
        try {
            return builder.build();
        } catch (SSLException | IllegalArgumentException e) {
            throw new ConfigFileException(keyKey, tls.privateKey(), "cannot be used with "
                    + chainKey + " " + tls.certificateChain() + ": " + reason(e), e);
        }
    }

    /** The innermost message: Netty wraps the TLS library's words in its own. */
    private static String reason(Throwable failure) {
        Throwable innermost = failure;
        while (innermost.getCause() != null && innermost.getCause().getMessage() != null) {
            innermost = innermost.getCause();
        }
        return innermost.getMessage() == null ? innermost.getClass().getSimpleName()
                : innermost.getMessage();
    }
}
