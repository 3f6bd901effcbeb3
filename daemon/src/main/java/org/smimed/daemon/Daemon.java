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
import org.smimed.daemon.grpc.KeyAdminGrpcService;
import org.smimed.daemon.grpc.SigningGrpcService;
import org.smimed.daemon.grpc.StatusMapper;
import org.smimed.daemon.keys.KeyAdministration;
import org.smimed.daemon.keys.KeyRegistry;
import org.smimed.daemon.token.Pkcs11Library;
import org.smimed.daemon.token.Pkcs11Token;
import org.smimed.daemon.token.TokenException;

/**
 * The composition root: the one place that builds every part and hands each its
 * collaborators. Nothing else creates providers, tokens or services.
 */
public final class Daemon implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Daemon.class.getName());

    private final Server server;
    private final Server adminServer;
    private final KeyRegistry keys;
    private final KeyAdministration admin;

    private Daemon(Server server, Server adminServer, KeyRegistry keys, KeyAdministration admin) {
        this.server = server;
        this.adminServer = adminServer;
        this.keys = keys;
        this.admin = admin;
    }

    /**
     * Logs in to the token, reads its keys and starts serving.
     *
     * @param environment environment variable lookup, for the PIN (injected for tests)
     */
    public static Daemon start(DaemonConfig config, UnaryOperator<String> environment,
                               Clock clock) throws TokenException, PinSource.PinUnavailableException,
            IOException {
        Pkcs11Library library = Pkcs11Library.load(config.token().library());
        char[] pin = config.token().pin().read(environment);
        Pkcs11Token token = Pkcs11Token.login(library, config.token().label(), pin);
        SecureRandom random = new SecureRandom();
        // The token is the source of truth for keys and their states; start-up repairs what
        // an interrupted officer operation left behind, and logs it.
        KeyAdministration admin = KeyAdministration.open(token, random, clock);
        KeyRegistry keys = admin.registry();

        Provider software = new BouncyCastleProvider();
        StatusMapper statuses = new StatusMapper();
        int maxBytes = config.limits().maxMessageBytes();
        Server server = GrpcServer.start(config, List.of(
                new SigningGrpcService(keys, new CmsSigner(token.provider(), software, clock),
                        statuses, maxBytes),
                new DecryptionGrpcService(keys,
                        new CmsDecryptor(token.provider(), software, random), statuses, maxBytes),
                new DirectoryGrpcService(keys, statuses)));
        LOG.log(Level.INFO, "smimed serving " + keys.identities().size() + " identities from token '"
                + token.label() + "' on port " + server.getPort());
        Server adminServer = null;
        if (config.admin().isPresent()) {
            try {
                adminServer = GrpcServer.startAdmin(config, config.admin().get(),
                        List.of(new KeyAdminGrpcService(admin, clock, statuses)));
            } catch (IOException e) {
                server.shutdownNow();
                throw e;
            }
            LOG.log(Level.INFO, "key administration on port " + adminServer.getPort());
        }
        return new Daemon(server, adminServer, keys, admin);
    }

    /** The admin port actually bound, or -1 without an admin listener. */
    public int adminPort() {
        return adminServer == null ? -1 : adminServer.getPort();
    }

    /** What start-up repaired on the token (leftovers of interrupted operations). */
    public List<String> repairs() {
        return admin.repairs();
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
        if (adminServer != null) {
            adminServer.shutdown();
            adminServer.awaitTermination(10, TimeUnit.SECONDS);
        }
        server.shutdown();
        if (!server.awaitTermination(10, TimeUnit.SECONDS)) {
            server.shutdownNow();
        }
    }
}
