package org.smimed.daemon;

import io.grpc.BindableService;
import io.grpc.Server;
import java.io.IOException;
import java.nio.file.Path;
import java.lang.System.Logger.Level;
import java.security.Provider;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.smimed.daemon.approval.ApprovalGate;
import org.smimed.daemon.audit.AuditException;
import org.smimed.daemon.cms.CmsDecryptor;
import org.smimed.daemon.cms.CmsSigner;
import org.smimed.daemon.cms.MessageLimits;
import org.smimed.daemon.cms.SmimeCapabilities;
import org.smimed.daemon.config.DaemonConfig;
import org.smimed.daemon.config.Listener;
import org.smimed.daemon.config.ListenerProbe;
import org.smimed.daemon.config.PemFiles;
import org.smimed.daemon.config.PinSource;
import org.smimed.daemon.decryption.Decryption;
import org.smimed.daemon.grpc.CallMetrics;
import org.smimed.daemon.grpc.CallSecurity;
import org.smimed.daemon.grpc.DecryptionGrpcService;
import org.smimed.daemon.grpc.DirectoryGrpcService;
import org.smimed.daemon.grpc.GrpcHealth;
import org.smimed.daemon.grpc.GrpcServer;
import org.smimed.daemon.grpc.KeyAdminGrpcService;
import org.smimed.daemon.grpc.SigningGrpcService;
import org.smimed.daemon.grpc.StatusMapper;
import org.smimed.daemon.grpc.StreamGuards;
import org.smimed.daemon.health.HealthMonitor;
import org.smimed.daemon.health.TokenHealer;
import org.smimed.daemon.keys.CertificateRoots;
import org.smimed.daemon.keys.KeyAdministration;
import org.smimed.daemon.keys.KeyRegistry;
import org.smimed.daemon.keys.Repair;
import org.smimed.daemon.metrics.Metrics;
import org.smimed.daemon.policy.AccessControl;
import org.smimed.daemon.policy.DualControl;
import org.smimed.daemon.policy.PolicyException;
import org.smimed.daemon.signing.Signing;
import org.smimed.daemon.threads.DaemonThreads;
import org.smimed.daemon.tls.ServerCertificate;
import org.smimed.daemon.token.Pkcs11Library;
import org.smimed.daemon.token.Pkcs11Token;
import org.smimed.daemon.token.TokenException;

/**
 * The composition root: the one place that builds the serving daemon's parts and hands each its
 * collaborators (the bench and demo provisioning build their own, off this path).
 */
public final class Daemon implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Daemon.class.getName());

    private final DaemonConfig config;
    private final Server server;
    private final Server adminServer;
    private final Server healthServer;
    private final HealthMonitor monitor;
    private final Metrics metrics;
    private final KeyRegistry keys;
    private final Access access;
    private final StreamGuards guards;
    private boolean closed;
    private volatile String failure;

    private final KeyAdministration admin;
    /** The handler and batch pools, shut down after the servers. */
    private final List<ExecutorService> pools;
    /** The TLS listeners' server certificates, whose file checks stop with the daemon. */
    private final List<ServerCertificate> certificates;

    private Daemon(DaemonConfig config, Server server, Server adminServer, Server healthServer,
                   HealthMonitor monitor, Metrics metrics, KeyAdministration admin,
                   Access access, List<ExecutorService> pools, StreamGuards guards,
                   List<ServerCertificate> certificates) {
        this.pools = pools;
        this.certificates = certificates;
        this.guards = guards;
        this.config = config;
        this.server = server;
        this.adminServer = adminServer;
        this.admin = admin;
        this.healthServer = healthServer;
        this.monitor = monitor;
        this.metrics = metrics;
        this.keys = admin.registry();
        this.access = access;
    }

    /**
     * Logs in to the token, reads its keys and starts serving.
     *
     * @param environment environment variable lookup, for the PIN (injected for tests)
     */
    public static Daemon start(DaemonConfig config, UnaryOperator<String> environment,
                               Clock clock) throws TokenException,
            PinSource.PinUnavailableException,
            IOException, PolicyException, AuditException {
        ListenerProbe.requireBindable(config);
        Metrics metrics = new Metrics();
        Access access;
        try {
            access = Access.open(config, clock, metrics.auditWrites());
        } catch (PolicyException | AuditException | IOException | RuntimeException e) {
            metrics.close();
            throw e;
        }
        try {
            return start(config, environment, clock, access, metrics);
        } catch (TokenException | PinSource.PinUnavailableException | IOException
                 | AuditException | RuntimeException e) {
            access.closeQuietly();
            metrics.close();
            throw e;
        }
    }

    private static Daemon start(DaemonConfig config, UnaryOperator<String> environment,
                                Clock clock, Access access, Metrics metrics)
            throws TokenException, PinSource.PinUnavailableException, IOException,
            AuditException {
        // Read before the token is touched: a server certificate replaced by a bad one since
        // the config was checked fails start-up without a login.
        Optional<ServerCertificate> clientCertificate = config.tls().isEmpty() ? Optional.empty()
                : Optional.of(ServerCertificate.read(config.tls().get(), "tls.", clock));
        Optional<ServerCertificate> adminCertificate = adminCertificate(config, clientCertificate,
                clock);
        Optional<Path> rootsFile = config.admin().flatMap(DaemonConfig.Admin::certificateRoots);
        CertificateRoots roots = rootsFile.isEmpty() ? CertificateRoots.any()
                : CertificateRoots.of(PemFiles.caCertificates("admin.certificateRoots",
                        rootsFile.get()));
        Pkcs11Library library = Pkcs11Library.load(config.token().library());
        char[] pin = config.token().pin().read(environment);
        Pkcs11Token token = Pkcs11Token.login(library, config.token().label(), pin);
        SecureRandom random = new SecureRandom();
        // The token is the source of truth for keys and their states; start-up repairs what
        // an interrupted officer operation left behind, and logs it.
        // Repairs change the token: not unless their records can be written (a review).
        access.checkAuditWritable();
        KeyAdministration admin = KeyAdministration.open(token, random, clock, roots);
        access.recordRepairs(admin.repairs());
        KeyRegistry keys = admin.registry();
        Provider software = new BouncyCastleProvider();
        StatusMapper statuses = new StatusMapper(clock);
        int maxBytes = config.limits().maxMessageBytes();
        DaemonConfig.Operations operations = config.operations();
        AccessControl control = access.control();
        CallSecurity security = access.security(statuses)
                .observedBy(new CallMetrics(metrics.calls()));
        GrpcHealth health = new GrpcHealth();
        // A SignBatch's signatures run on as many workers as calls have handlers: the number
        // of token operations at once that suits this token (operations.workerThreads).
        ExecutorService batchWorkers = Executors.newFixedThreadPool(operations.workerThreads(),
                new DaemonThreads("smimed-batch"));
        HealthMonitor monitor = new HealthMonitor(token.label(), health, access.auditUnhealthy());
        FatalRelay fatal = new FatalRelay();
        TokenHealer healer = new TokenHealer(token, config.token().pin(), environment, admin,
                !keys.identities().isEmpty(), clock, monitor::publish, fatal::fail);
        StreamGuards guards = new StreamGuards(config.limits());
        SmimeCapabilities capabilities =
                SmimeCapabilities.of(config.decryption().contentAlgorithms());
        capabilities.warning().ifPresent(warning -> LOG.log(Level.WARNING, warning));
        List<BindableService> services = new ArrayList<>(List.of(
                new SigningGrpcService(new Signing(keys, new CmsSigner(token.provider(),
                        software, clock, metrics.tokenMeter(), capabilities), control, healer,
                        batchWorkers), statuses, maxBytes, guards),
                new DecryptionGrpcService(new Decryption(keys,
                        new CmsDecryptor(token.provider(), software, random,
                                config.decryption().contentAlgorithms(),
                                new MessageLimits(config.limits().maxRecipients(),
                                        config.limits().maxAsn1Depth(),
                                        config.limits().maxIndefiniteLengths()),
                                metrics.tokenMeter()), control, healer),
                        statuses, maxBytes, guards).served(),
                new DirectoryGrpcService(keys, statuses, control, capabilities, maxBytes,
                        guards),
                health.service()));
        if (operations.reflection()) {
            services.addAll(GrpcServer.reflection());
        }
        monitor.start(healer::check, operations.probeInterval());
        metrics.watchState(() -> monitor.condition() != null && monitor.condition().usable(),
                access::auditWritable, monitor::probes);
        // Call handlers: a fixed pool, so that token sessions in use are bounded by
        // operations.workerThreads (plus the batch workers) rather than by the callers.
        ExecutorService handlers = Executors.newFixedThreadPool(operations.workerThreads(),
                new DaemonThreads("smimed-handler"));
        // Officer calls may take seconds (an RSA-4096 key): threads of their own, as needed.
        ExecutorService officers = Executors.newCachedThreadPool(new DaemonThreads("smimed-admin"));
        metrics.watchHandlers(handlers);
        Server server = null;
        Server healthServer = null;
        Server adminServer = null;
        access.recordStart(keys.identities().size()); // before any call's record
        try {
            server = GrpcServer.start(config, clientCertificate, services, security, handlers);
            healthServer = operations.healthListen().isEmpty() ? null
                    : GrpcServer.startHealthOnly(operations.healthListen().get(),
                            config.limits(), health.service());
            if (operations.metricsListen().isPresent()) {
                metrics.serve(operations.metricsListen().get());
            }
            if (config.admin().isPresent()) {
                // Same call-security chain: only officers pass, and every call is audited.
                adminServer = GrpcServer.startAdmin(config, config.admin().get(), adminCertificate,
                        List.of(new KeyAdminGrpcService(admin, new ApprovalGate(admin,
                                new DualControl(access.policies(), clock, random), clock),
                                clock, statuses)), security, officers);
            }
        } catch (IOException | RuntimeException e) {
            // A listener could not bind: free the others' ports, stop probes, pools, guards.
            Stream.of(server, healthServer).filter(Objects::nonNull).forEach(Server::shutdownNow);
            monitor.shutdown();
            List.of(handlers, batchWorkers, officers).forEach(ExecutorService::shutdownNow);
            guards.close();
            throw e;
        }
        metrics.watchExpiry(keys, clock, operations.expiryWarnDays());
        metrics.watchTlsExpiry(leaves(clientCertificate, adminCertificate), clock,
                operations.expiryWarnDays());
        List<ServerCertificate> certificates = Stream.of(clientCertificate, adminCertificate)
                .flatMap(Optional::stream).distinct().toList();
        // Renewed certificates (certbot, cert-manager) serve new connections without a restart.
        certificates.forEach(certificate -> certificate.watch(operations.tlsCheck(),
                metrics::tlsCertificateChanged));
        LOG.log(Level.INFO, "smimed serving " + keys.identities().size() + " identities from"
                + " token '" + token.label() + "' on port " + server.getPort() + "; audit log "
                + config.access().auditFile() + " continues after record "
                + access.auditHead() + " (only its last record was read: check the whole chain"
                + " with smimectl audit verify and the anchors you keep)");
        access.auditNewChain().ifPresent(warning -> LOG.log(Level.WARNING, warning));
        if (adminServer != null) {
            LOG.log(Level.INFO, "key administration on port " + adminServer.getPort());
        }
        // Port 0 picks a free one: say which, or a probe or scraper cannot be pointed at it.
        if (healthServer != null) {
            LOG.log(Level.INFO, "plaintext health checks on port " + healthServer.getPort());
        }
        if (operations.metricsListen().isPresent()) {
            LOG.log(Level.INFO, "metrics on port " + metrics.port() + " (GET /metrics)");
        }
        Daemon daemon = new Daemon(config, server, adminServer, healthServer, monitor, metrics,
                admin, access, List.of(handlers, batchWorkers, officers), guards, certificates);
        fatal.attach(daemon::failWith);
        return daemon;
    }

    /**
     * Why the daemon stopped on its own because the token could not be healed, if it did; the
     * process then exits with {@code ExitCodes.TOKEN_LOST} so a supervisor restarts it.
     */
    public Optional<String> failure() {
        return Optional.ofNullable(failure);
    }

    /** Records {@code reason} and starts the graceful shutdown on a thread of its own. */
    private void failWith(String reason) {
        failure = reason;
        LOG.log(Level.ERROR, reason);
        Thread stopper = new Thread(() -> {
            try {
                close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "smimed-token-lost");
        stopper.start();
    }

    /** The admin port actually bound, or -1 without an admin listener. */
    public int adminPort() {
        return adminServer == null ? -1 : adminServer.getPort();
    }

    /** What start-up repaired on the token (leftovers of interrupted operations). */
    public List<Repair> repairs() {
        return admin.repairs();
    }

    /**
     * The admin listener's server certificate: its own (admin.tls), else the very one the
     * client listener serves, so that one renewal and one gauge reading cover both.
     */
    private static Optional<ServerCertificate> adminCertificate(
            DaemonConfig config, Optional<ServerCertificate> client, Clock clock)
            throws IOException {
        if (config.admin().isEmpty()) {
            return Optional.empty();
        }
        Optional<DaemonConfig.Tls> own = config.admin().get().tls();
        return own.isPresent() ? Optional.of(ServerCertificate.read(own.get(), "admin.tls.", clock))
                : client;
    }

    /** Each TLS listener's server certificate, for the expiry gauge and warnings. */
    private static Map<Listener, Supplier<X509Certificate>> leaves(
            Optional<ServerCertificate> client, Optional<ServerCertificate> admin) {
        Map<Listener, Supplier<X509Certificate>> leaves = new EnumMap<>(Listener.class);
        client.ifPresent(certificate -> leaves.put(Listener.CLIENT, certificate::leaf));
        admin.ifPresent(certificate -> leaves.put(Listener.ADMIN, certificate::leaf));
        return leaves;
    }

    /** Re-reads the policy file (SIGHUP); returns whether the new policy is in force. */
    public boolean reloadPolicy() {
        return access.policies().reload();
    }

    /**
     * Looks at the TLS server certificate files now (SIGHUP; otherwise every
     * {@code operations.tlsCheckSeconds}); returns what each listener's look did, the
     * client listener's first.
     */
    public List<ServerCertificate.Outcome> reloadServerCertificates() {
        return certificates.stream().map(ServerCertificate::check).toList();
    }

    /** The port actually bound (useful when the config asked for port 0). */
    public int port() {
        return server.getPort();
    }

    /** The health-only listener's port, or -1 when none is configured. */
    public int healthPort() {
        return healthServer == null ? -1 : healthServer.getPort();
    }

    /** The metrics listener's port, or -1 when none is configured. */
    public int metricsPort() {
        return metrics.port();
    }

    /** The daemon's metrics, also served over HTTP when operations.metricsListen is set. */
    public Metrics metrics() {
        return metrics;
    }

    /** The identities being served. */
    public List<String> identities() {
        return keys.identities();
    }

    /** Blocks until the server terminates. */
    public void awaitTermination() throws InterruptedException {
        server.awaitTermination();
    }

    /**
     * Graceful shutdown: health says NOT_SERVING first so balancers stop sending calls, then
     * the server stops accepting new calls and in-flight calls get the configured drain time;
     * the audit log closes last, after the last call's record.
     */
    @Override
    public synchronized void close() throws InterruptedException {
        if (closed) {
            return;
        }
        closed = true;
        monitor.shutdown();
        if (adminServer != null) {
            adminServer.shutdown();
        }
        server.shutdown();
        long drainMillis = config.operations().drain().toMillis();
        if (!server.awaitTermination(drainMillis, TimeUnit.MILLISECONDS)) {
            LOG.log(Level.WARNING, "calls still running after the drain time; cancelling them");
            server.shutdownNow();
            server.awaitTermination(5, TimeUnit.SECONDS);
        }
        if (adminServer != null && !adminServer.awaitTermination(5, TimeUnit.SECONDS)) {
            adminServer.shutdownNow();
        }
        if (healthServer != null) {
            healthServer.shutdownNow();
        }
        pools.forEach(ExecutorService::shutdown);
        certificates.forEach(ServerCertificate::close);
        guards.close();
        metrics.close();
        access.close(failure != null);
    }
}
