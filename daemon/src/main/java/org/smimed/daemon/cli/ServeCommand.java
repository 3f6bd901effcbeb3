package org.smimed.daemon.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.UnaryOperator;
import org.smimed.daemon.Daemon;
import org.smimed.daemon.audit.AuditException;
import org.smimed.daemon.config.ConfigException;
import org.smimed.daemon.config.ConfigFileException;
import org.smimed.daemon.config.ConfigLoader;
import org.smimed.daemon.config.DaemonConfig;
import org.smimed.daemon.config.ListenerBindException;
import org.smimed.daemon.config.PinSource;
import org.smimed.daemon.grpc.RequestIds;
import org.smimed.daemon.logging.LogFormat;
import org.smimed.daemon.policy.PolicyException;
import org.smimed.daemon.token.TokenException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/** {@code smimed serve}: logs in to the token and serves gRPC until stopped. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Run the daemon: log in to the token, read its keys, serve gRPC.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:stopped normally", "1:failed while running", "2:bad usage",
            "3:invalid configuration or policy", "4:token unusable (not found, PIN rejected, …)",
            "5:audit log unusable (cannot be opened, ends with a damaged record, or under 64 KiB"
                    + " free on its file system)",
            "6:token lost while serving and not healed in-process; restart the daemon",
            "7:a listen address cannot be bound (port in use or not permitted)"})
final class ServeCommand implements Callable<Integer> {
    @Option(names = {"-c", "--config"}, required = true, paramLabel = "FILE",
            description = "YAML configuration file (see README, Configuration).")
    Path config;

    @Option(names = "--log-format", defaultValue = "text", paramLabel = "text|json",
            converter = LogFormatConverter.class,
            description = "Log lines as plain text or as one JSON object per line (with the"
                    + " request id) for log shippers (default: ${DEFAULT-VALUE}).")
    LogFormat logFormat;

    /** "text" or "json", case-insensitive. */
    static final class LogFormatConverter implements picocli.CommandLine.ITypeConverter<LogFormat> {
        @Override
        public LogFormat convert(String value) {
            try {
                return LogFormat.valueOf(value.toUpperCase(java.util.Locale.ROOT));
            } catch (IllegalArgumentException e) {
                // Picocli showed the JDK's "No enum constant org.smimed...LogFormat.XML".
                throw new picocli.CommandLine.TypeConversionException("'" + value
                        + "' is not a log format; use text or json");
            }
        }
    }

    private final UnaryOperator<String> environment;
    private final Clock clock;

    ServeCommand(UnaryOperator<String> environment, Clock clock) {
        this.environment = environment;
        this.clock = clock;
    }

    @Override
    public Integer call() throws InterruptedException {
        StatusLines err = new StatusLines(new PrintWriter(System.err, true), logFormat);
        logFormat.install(RequestIds::ofCurrentCall);
        DaemonConfig loaded;
        try {
            loaded = new ConfigLoader().load(config);
        } catch (ConfigException e) {
            e.problems().forEach(p -> err.error("smimed: config: " + p));
            return ExitCodes.CONFIG;
        }
        int[] failure = {ExitCodes.OK};
        // Until it serves, SIGHUP has nothing to reload (start-up reads the policy and the
        // certificates itself), and the JVM's own handler would end the process with 129: a
        // `systemctl reload` just after a start counted as a failure (an operator trial).
        Signal.handle(new Signal("HUP"), signal -> err.info("smimed: SIGHUP while starting:"
                + " nothing to reload yet"));
        Daemon daemon = startOrReport(loaded, err, failure);
        if (daemon == null) {
            return failure[0];
        }
        // SIGHUP re-reads the policy, as operators expect of a Unix daemon, and looks at the
        // TLS server certificate files at once rather than at the next periodic look.
        // The client CAs are read at start only: a changed file is named on SIGHUP, or an
        // operator who rotated a client CA saw its clients refused with no word why (an
        // operator trial).
        Optional<Path> clientCas = loaded.tls().flatMap(DaemonConfig.Tls::clientCaCertificates);
        byte[] clientCasAtStart = clientCas.map(ServeCommand::sha256).orElse(new byte[0]);
        SignalHandler before = Signal.handle(new Signal("HUP"), signal -> {
            daemon.reloadPolicy();
            daemon.reloadServerCertificates();
            if (clientCas.isPresent()
                    && !Arrays.equals(sha256(clientCas.get()), clientCasAtStart)) {
                err.warn("smimed: SIGHUP: tls.clientCaCertificates " + clientCas.get()
                        + " changed since start, and is read at start only: restart to apply");
            }
        });
        if (before == SignalHandler.SIG_IGN) {
            // The JVM leaves a signal its parent ignored (nohup) ignored: say so, or a reload
            // that does nothing looks like one that worked (found by a README trial).
            err.warn("smimed: SIGHUP is ignored in this process (started under nohup?), so"
                    + " it reloads nothing; the policy file is still watched and the TLS files"
                    + " looked at every operations.tlsCheckSeconds");
        }
        // SIGTERM and SIGINT start the graceful shutdown and the process then exits 0, which
        // a JVM shutdown hook alone cannot do (it would exit 143).
        Thread closer = new Thread(() -> closeQuietly(daemon), "smimed-shutdown");
        // Each signal runs on a handler thread of its own: two at once (`timeout` signals the
        // process and its group) must start the shutdown once, not race to start it twice.
        AtomicBoolean stopping = new AtomicBoolean();
        for (String name : new String[] {"TERM", "INT"}) {
            Signal.handle(new Signal(name), signal -> {
                if (stopping.compareAndSet(false, true)) {
                    // Said at once: a drain may take operations.drainSeconds, and an operator
                    // saw nothing between the signal and "stopped" (an operator trial).
                    err.info("smimed: SIG" + name + ": stopping; calls under way have up to "
                            + loaded.operations().drain().toSeconds() + " s to finish");
                    closer.start();
                }
            });
        }
        err.info("smimed: serving " + daemon.identities() + " on port " + daemon.port());
        daemon.awaitTermination();
        if (daemon.failure().isPresent()) {
            daemon.close(); // waits for the shutdown the failure started
            err.error("smimed: token: " + daemon.failure().get());
            return ExitCodes.TOKEN_LOST;
        }
        if (stopping.get()) {
            closer.join(TimeUnit.MINUTES.toMillis(5));
        }
        err.info("smimed: stopped");
        return ExitCodes.OK;
    }

    /** SHA-256 of a file's bytes; empty when it cannot be read. */
    private static byte[] sha256(Path file) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file));
        } catch (IOException | NoSuchAlgorithmException e) {
            return new byte[0];
        }
    }

    private static void closeQuietly(Daemon daemon) {
        try {
            daemon.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private Daemon startOrReport(DaemonConfig loaded, StatusLines err, int[] failure) {
        try {
            return Daemon.start(loaded, environment, clock);
        } catch (TokenException | PinSource.PinUnavailableException e) {
            err.error("smimed: token: " + e.getMessage());
            failure[0] = ExitCodes.TOKEN;
        } catch (PolicyException e) {
            e.problems().forEach(p -> err.error("smimed: policy: " + p));
            failure[0] = ExitCodes.CONFIG;
        } catch (AuditException e) {
            err.error("smimed: audit: " + e.getMessage());
            failure[0] = ExitCodes.AUDIT;
        } catch (ConfigFileException e) {
            err.error("smimed: config: " + e.getMessage());
            failure[0] = ExitCodes.CONFIG;
        } catch (ListenerBindException e) {
            err.error("smimed: " + e.getMessage());
            failure[0] = ExitCodes.LISTEN;
        } catch (java.io.IOException e) {
            err.error("smimed: cannot start the gRPC server: " + e.getMessage());
            failure[0] = ExitCodes.LISTEN;
        }
        return null;
    }
}
