package org.smimed.daemon;

import io.grpc.Server;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.security.Provider;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.smimed.daemon.cms.CmsDecryptor;
import org.smimed.daemon.cms.CmsSigner;
import org.smimed.daemon.config.DaemonConfig;
import org.smimed.daemon.config.PinSource;
import org.smimed.daemon.grpc.DecryptionGrpcService;
import org.smimed.daemon.grpc.DirectoryGrpcService;
import org.smimed.daemon.grpc.GrpcServer;
import org.smimed.daemon.grpc.SigningGrpcService;
import org.smimed.daemon.grpc.StatusMapper;
import org.smimed.daemon.keys.KeyRegistry;
import org.smimed.daemon.token.Pkcs11Library;
import org.smimed.daemon.token.Pkcs11Token;
import org.smimed.daemon.token.TokenException;
import org.smimed.daemon.token.TokenKeys;
import org.smimed.daemon.audit.AuditException;
import org.smimed.daemon.grpc.CallSecurity;
import org.smimed.daemon.policy.AccessControl;
import org.smimed.daemon.policy.PolicyException;

/**
 * The composition root: the one place that builds every part and hands each its
 * collaborators. Nothing else creates providers, tokens or services.
 */
public final class Daemon implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Daemon.class.getName());

    private final Server server;
    private final KeyRegistry keys;
    private final Access access;

    private Daemon(Server server, KeyRegistry keys, Access access) {
        this.server = server;
        this.keys = keys;
        this.access = access;
    }

    /**
     * Logs in to the token, reads its keys and starts serving.
     *
     * @param environment environment variable lookup, for the PIN (injected for tests)
     */
    public static Daemon start(DaemonConfig config, UnaryOperator<String> environment,
                               Clock clock) throws TokenException, PinSource.PinUnavailableException,
            IOException, PolicyException, AuditException {
        Access access = Access.open(config, clock);
        try {
            return start(config, environment, clock, access);
        } catch (TokenException | PinSource.PinUnavailableException | IOException
                 | RuntimeException e) {
            access.closeQuietly();
            throw e;
        }
    }

    private static Daemon start(DaemonConfig config, UnaryOperator<String> environment,
                                Clock clock, Access access)
            throws TokenException, PinSource.PinUnavailableException, IOException {
        Pkcs11Library library = Pkcs11Library.load(config.token().library());
        char[] pin = config.token().pin().read(environment);
        Pkcs11Token token = Pkcs11Token.login(library, config.token().label(), pin);
        TokenKeys.Scan scan = new TokenKeys(token).scan();
        KeyRegistry keys = KeyRegistry.of(scan.entries(), scan.skipped(), clock);
        keys.problems().forEach(p -> LOG.log(Level.WARNING, "token object skipped: " + p));

        Provider software = new BouncyCastleProvider();
        SecureRandom random = new SecureRandom();
        StatusMapper statuses = new StatusMapper();
        int maxBytes = config.limits().maxMessageBytes();
        AccessControl control = access.control();
        CallSecurity security = access.security(statuses);
        Server server = GrpcServer.start(config, List.of(
                new SigningGrpcService(keys, new CmsSigner(token.provider(), software, clock),
                        statuses, maxBytes, control),
                new DecryptionGrpcService(keys,
                        new CmsDecryptor(token.provider(), software, random), statuses, maxBytes,
                        control),
                new DirectoryGrpcService(keys, statuses, control)), security);
        LOG.log(Level.INFO, "smimed serving " + keys.identities().size() + " identities from token '"
                + token.label() + "' on port " + server.getPort() + "; audit log "
                + config.access().auditFile() + " continues at " + access.auditHead());
        return new Daemon(server, keys, access);
    }

    /** Re-reads the policy file (SIGHUP); returns whether the new policy is in force. */
    public boolean reloadPolicy() {
        return access.policies().reload();
    }

    /** The port actually bound (useful when the config asked for port 0). */
    public int port() {
        return server.getPort();
    }

    /** The identities being served. */
    public List<String> identities() {
        return keys.identities();
    }

    /** Blocks until the server terminates. */
    public void awaitTermination() throws InterruptedException {
        server.awaitTermination();
    }

    /** Stops accepting calls and gives in-flight calls a moment to finish. */
    @Override
    public void close() throws InterruptedException {
        server.shutdown();
        if (!server.awaitTermination(10, TimeUnit.SECONDS)) {
            server.shutdownNow();
        }
        access.close();
    }
}
