package org.smimed.daemon.bench;

import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.TlsChannelCredentials;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.smimed.daemon.cli.ExitCodes;
import org.smimed.daemon.config.ConfigFileException;
import org.smimed.daemon.config.PemFiles;
import org.smimed.daemon.config.PinSource;
import org.smimed.daemon.keys.KeyRegistry;
import org.smimed.daemon.keys.KeyVersion;
import org.smimed.daemon.token.Pkcs11Library;
import org.smimed.daemon.token.Pkcs11Token;
import org.smimed.daemon.token.TokenException;
import org.smimed.daemon.token.TokenKeys;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code smimed bench}: load against a running daemon over real gRPC, and — in the same run,
 * interleaved level by level — the raw token baseline in-process, so the ratio is not skewed
 * by a noisy machine drifting between two separate runs.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Benchmark a running smimed: N concurrent callers for a fixed time,"
                + " calls/s and latency percentiles of the calls that succeeded (failed calls"
                + " are counted by gRPC status, with the first message of each), and (with"
                + " --token-label) the raw token"
                + " baseline with the same key and private-key operation in this process.",
            "With --rate or --rate-fraction, also latency at a fixed call rate (open loop)."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:benchmark ran (errors are reported in the results)",
            "1:could not connect or prepare, or every call of a run failed (the runs so far"
                    + " are reported and written)", "2:bad usage", "4:token unusable"})
public final class BenchCommand implements Callable<Integer> {
    @Option(names = "--target", split = ",", defaultValue = "localhost:8443",
            paramLabel = "HOST:PORT[,HOST:PORT...]",
            description = "Daemon address, or several comma-separated to measure replicas"
                    + " together: each gets --connections connections and calls go to them"
                    + " in turn (default: ${DEFAULT-VALUE}).")
    List<String> targets;
    @Option(names = "--ca", paramLabel = "FILE",
            description = "PEM CA of the daemon's TLS certificate.")
    Path ca;
    @Option(names = "--cert", paramLabel = "FILE",
            description = "PEM client certificate (mutual TLS).")
    Path cert;
    @Option(names = "--key", paramLabel = "FILE",
            description = "PEM PKCS#8 client key (mutual TLS).")
    Path key;
    @Option(names = "--plaintext", description = "Connect without TLS (development daemons only).")
    boolean plaintext;
    @Option(names = "--identity", required = true, description = "Identity to sign and decrypt as.")
    String identity;
    @Option(names = "--workload", split = ",", defaultValue = "sign-digest",
            converter = WorkloadConverter.class,
            description = "Comma-separated: sign-digest, sign-batch-64, sign-content-4k,"
                    + " sign-content-1m, decrypt-4k (DecryptMessage), decrypt-4k-stream (the"
                    + " same message through the streaming Decrypt), decrypt-large"
                    + " (default: ${DEFAULT-VALUE}).")
    List<Workload> workloads;
    @Option(names = "--connections", defaultValue = "1", paramLabel = "N",
            description = "TLS connections to each daemon, calls spread over them in turn"
                    + " (default: ${DEFAULT-VALUE}); more spreads the daemon's transport work"
                    + " as many clients would.")
    int connections;
    @Option(names = "--callers", defaultValue = "async", converter = CallersConverter.class,
            paramLabel = "async|threads",
            description = "How the closed loop runs its callers (default: ${DEFAULT-VALUE}):"
                    + " async keeps N calls outstanding, each answer starting that caller's"
                    + " next call on the thread that delivered it, as an asynchronous service"
                    + " does (Sign and DecryptMessage; SignBatch and the streaming Decrypt"
                    + " always use threads); threads blocks one thread per caller. The raw"
                    + " token baseline always uses threads.")
    Callers callers;
    @Option(names = "--concurrency", split = ",", defaultValue = "1,2,4,8,16",
            description = "Concurrent callers, comma-separated (default: ${DEFAULT-VALUE}).")
    List<Integer> concurrency;
    @Option(names = "--duration", defaultValue = "10",
            description = "Seconds measured per run (default: ${DEFAULT-VALUE}).")
    int durationSeconds;
    @Option(names = "--warmup", defaultValue = "2",
            description = "Seconds of warm-up per run (default: ${DEFAULT-VALUE}).")
    int warmupSeconds;
    @Option(names = "--prewarm", defaultValue = "0", paramLabel = "SECONDS",
            description = "Before measuring a workload, run it unmeasured for this long at the"
                    + " highest --concurrency, daemon and baseline, so both this process's and"
                    + " the daemon's JIT compilers have settled (default: ${DEFAULT-VALUE}).")
    int prewarmSeconds;
    @Option(names = "--calls", defaultValue = "0",
            description = "Calls per caller instead of --duration.")
    long callsPerThread;
    @Option(names = "--large-bytes", defaultValue = "67108864",
            description = "Size of decrypt-large (default: ${DEFAULT-VALUE}).")
    int largeBytes;
    @Option(names = "--large-message", paramLabel = "FILE",
            description = "decrypt-large: decrypt this DER CMS message (EnvelopedData or"
                    + " AuthEnvelopedData to --identity) instead of a generated AES-256-GCM one,"
                    + " e.g. to compare with openssl cms -decrypt on the same message.")
    Path largeMessage;
    @Option(names = "--deadline", defaultValue = "120",
            description = "Deadline of each call in seconds (default: ${DEFAULT-VALUE}).")
    long deadlineSeconds;
    @Option(names = "--csv", paramLabel = "FILE",
            description = "Write results as CSV: calls counts every call and"
            + " errors the failed ones; calls_per_s, ops_per_s and the latency columns count"
            + " only the calls that succeeded.")
    Path csv;
    @Option(names = "--svg", paramLabel = "FILE", description = "Write a throughput chart (SVG).")
    Path svg;
    @ArgGroup(exclusive = false)
    Baseline baseline;
    @Mixin
    RateOptions rate;
    @Spec
    CommandSpec spec;

    /** The token to measure the baseline on: the daemon's own token, logged in here too. */
    static final class Baseline {
        @Option(names = "--token-label", required = true,
                description = "Token for the in-process baseline.")
        String label;
        @Option(names = "--library", defaultValue = "/usr/lib/softhsm/libsofthsm2.so",
                description = "PKCS#11 library (default: ${DEFAULT-VALUE}).")
        Path library;
        @Option(names = "--pin-file", required = true, paramLabel = "FILE",
                description = "File holding the user PIN (mode 600).")
        Path pinFile;
    }

    /** Turns "async" into a caller model, or a usage error that lists the valid ones. */
    static final class CallersConverter implements picocli.CommandLine.ITypeConverter<Callers> {
        @Override
        public Callers convert(String value) {
            try {
                return Callers.parse(value);
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    /** Turns "sign-digest" into a workload, or a usage error that lists the valid names. */
    static final class WorkloadConverter implements picocli.CommandLine.ITypeConverter<Workload> {
        @Override
        public Workload convert(String value) {
            try {
                return Workload.parse(value);
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.TypeConversionException(e.getMessage()
                        + " (valid: " + Workload.names() + ")");
            }
        }
    }

    private final UnaryOperator<String> environment;
    private final Clock clock;

    public BenchCommand(UnaryOperator<String> environment, Clock clock) {
        this.environment = environment;
        this.clock = clock;
    }

    @Override
    public Integer call() throws Exception {
        List<Workload> selected = workloads;
        validateNumbers();
        rate.validate(baseline != null, callsPerThread);
        // The TLS files before the token: a bad --ca must not wait for (or hold) a login.
        ChannelCredentials credentials = credentials();
        TokenBaseline tokenBaseline;
        try {
            tokenBaseline = baseline == null ? null : openBaseline();
        } catch (TokenException | PinSource.PinUnavailableException e) {
            // As serve and provision-demo say it: one line, and the exit code for the token.
            spec.commandLine().getErr().println("smimed bench: token: " + e.getMessage());
            return ExitCodes.TOKEN;
        }
        // directExecutor: the open loop's completion callbacks only record a latency, so they
        // run on the transport thread instead of behind another thread hand-off.
        // Connection i goes to daemon i mod n, so calls taken in turn reach each one alike.
        List<ManagedChannel> opened = new ArrayList<>();
        for (int i = 0; i < connections; i++) {
            for (String target : targets) {
                opened.add(Grpc.newChannelBuilder(target, credentials)
                        .maxInboundMessageSize(64 * 1024 * 1024).directExecutor().build());
            }
        }
        System.out.printf("callers: %s (sign-batch-64 and the streamed decrypts: threads), %d"
                + " TLS connection(s) to %s%n", callers, connections, String.join(", ", targets));
        try (SpreadChannel channel = new SpreadChannel(opened)) {
            for (int i = 0; i < targets.size(); i++) {
                new DaemonCalls(opened.get(i), identity, deadlineSeconds)
                        .requireReachable(targets.get(i));
            }
            DaemonCalls calls = new DaemonCalls(channel, identity, deadlineSeconds);
            LoadRun load = new LoadRun(Duration.ofSeconds(warmupSeconds),
                    Duration.ofSeconds(durationSeconds), callsPerThread);
            List<Measurement> results = new ArrayList<>();
            for (Workload workload : selected) {
                Prepared prepared = calls.prepare(workload, largeBytes,
                        java.util.Optional.ofNullable(largeMessage));
                Optional<Measurement> failed = prewarm(workload, prepared, tokenBaseline);
                if (failed.isEmpty() && rate.fixedRateOnly()) {
                    failed = report(results, openLoop().run(workload, Mode.DAEMON_RATE, 0,
                            rate.fixedRate(), prepared));
                }
                if (failed.isPresent()) {
                    return stop(results, failed.get());
                }
                if (rate.fixedRateOnly()) {
                    continue;
                }
                for (int level : concurrency) {
                    if (tokenBaseline != null) {
                        Supplier<Operation> tokenOps = () -> tokenBaseline.operation(
                                workload.kind());
                        Measurement tokenPeak = load.run(workload, Mode.BASELINE, level, tokenOps);
                        report(results, tokenPeak);
                        // The token's own tail at the same fraction of its own peak: what the
                        // daemon's p99/p50 at that fraction is to be read against.
                        var tokenAtFraction = rate.after(tokenPeak);
                        if (tokenAtFraction.isPresent()) {
                            report(results, openLoop().run(workload,
                                    Mode.BASELINE_RATE, level,
                                    tokenAtFraction.getAsDouble(), Prepared.blocking(tokenOps)));
                        }
                    }
                    Measurement peak = daemonRun(load, workload, Mode.DAEMON, level, prepared);
                    failed = report(results, peak);
                    var atFraction = rate.after(peak);
                    if (failed.isEmpty() && atFraction.isPresent()) {
                        failed = report(results, openLoop().run(workload, Mode.DAEMON_RATE,
                                level, atFraction.getAsDouble(), prepared));
                    }
                    if (failed.isPresent()) {
                        return stop(results, failed.get());
                    }
                }
            }
            write(results);
            return 0;
        }
    }

    /**
     * Ends the benchmark after a run whose every call failed: the daemon went away, the identity
     * is not served or the caller is refused, and the levels left would only repeat it at full
     * speed (failed calls return at once). What ran is still written.
     */
    private int stop(List<Measurement> results, Measurement failed) throws java.io.IOException {
        write(results);
        spec.commandLine().getErr().printf("smimed bench: every call of %s at %d caller(s)"
                + " failed, so the benchmark stopped: %s%n", failed.workload().cliName(),
                failed.concurrency(), failed.errors().text());
        return ExitCodes.FAILURE;
    }

    private void write(List<Measurement> results) throws java.io.IOException {
        if (csv != null) {
            Reports.writeCsv(csv, results);
        }
        if (svg != null) {
            Reports.writeSvg(svg, results);
        }
    }

    /**
     * Runs {@code workload} unmeasured for --prewarm seconds. Why: a fresh JVM compiles for
     * tens of seconds under load on a small machine (seen as 10+ s of compiler-thread CPU in a
     * 25 s run, in the caller as much as in the daemon), which is start-up, not service.
     */
    private Optional<Measurement> prewarm(Workload workload, Prepared prepared,
                                          TokenBaseline tokenBaseline)
            throws InterruptedException {
        if (prewarmSeconds == 0) {
            return Optional.empty();
        }
        int level = concurrency.stream().mapToInt(Integer::intValue).max().orElse(1);
        LoadRun warm = new LoadRun(Duration.ZERO, Duration.ofSeconds(prewarmSeconds), 0);
        Measurement daemon = daemonRun(warm, workload, Mode.PREWARM, level, prepared);
        if (tokenBaseline != null) {
            warm.run(workload, Mode.PREWARM, level, () -> tokenBaseline.operation(workload.kind()));
        }
        System.out.printf("%-16s prewarm  c=%-3d %d s unmeasured, %d calls, %s errors%n",
                workload.cliName(), level, prewarmSeconds, daemon.calls(),
                daemon.errors().text());
        return allFailed(daemon);
    }

    private static Optional<Measurement> allFailed(Measurement m) {
        return !m.mode().token() && m.calls() > 0 && m.succeeded() == 0
                ? Optional.of(m) : Optional.empty();
    }

    /** The closed loop against the daemon, its callers run as {@code --callers} says. */
    private Measurement daemonRun(LoadRun load, Workload workload, Mode mode, int level,
                                  Prepared prepared) throws InterruptedException {
        if (callers == Callers.ASYNC && prepared.async().isPresent()) {
            return load.async().run(workload, mode, level, prepared.async().get());
        }
        return load.run(workload, mode, level, prepared.operations());
    }

    private void validateNumbers() {
        String problem = durationSeconds < 1 ? "--duration must be at least 1 second"
                : warmupSeconds < 0 ? "--warmup must not be negative"
                : prewarmSeconds < 0 ? "--prewarm must not be negative"
                : callsPerThread < 0 ? "--calls must not be negative"
                : deadlineSeconds < 1 ? "--deadline must be at least 1 second"
                : connections < 1 || connections > 256 ? "--connections must be 1 to 256"
                : targets.stream().anyMatch(String::isBlank) ? "--target has an empty address"
                : concurrency.stream().anyMatch(c -> c < 1) ? "--concurrency levels must be >= 1"
                : (cert == null) != (key == null) ? "--cert and --key go together"
                : unwritable("--csv", csv).or(() -> unwritable("--svg", svg)).orElse(null);
        if (problem != null) {
            throw new ParameterException(spec.commandLine(), problem);
        }
    }

    /**
     * Why {@code file} cannot be written, checked before a run rather than after it (an outside
     * trial lost a finished run to a missing directory).
     */
    private static java.util.Optional<String> unwritable(String option, Path file) {
        if (file == null) {
            return java.util.Optional.empty();
        }
        Path directory = file.toAbsolutePath().getParent();
        if (directory == null || !java.nio.file.Files.isDirectory(directory)) {
            return java.util.Optional.of(option + ": no directory " + directory);
        }
        if (!java.nio.file.Files.isWritable(directory)) {
            return java.util.Optional.of(option + ": cannot write in " + directory);
        }
        return java.util.Optional.empty();
    }

    private OpenLoopRun openLoop() {
        return new OpenLoopRun(Duration.ofSeconds(warmupSeconds),
                Duration.ofSeconds(durationSeconds), rate.maxInFlight);
    }

    /** Prints and keeps {@code m}; returns it if it is a daemon run whose every call failed. */
    private Optional<Measurement> report(List<Measurement> results, Measurement m) {
        results.add(m);
        System.out.println(Reports.humanLine(m, results));
        return allFailed(m);
    }

    private TokenBaseline openBaseline() throws Exception {
        char[] pin = new PinSource.FromFile(baseline.pinFile).read(environment);
        Pkcs11Token token = Pkcs11Token.login(Pkcs11Library.load(baseline.library),
                baseline.label, pin);
        TokenKeys.Scan scan = new TokenKeys(token).scan();
        KeyVersion keyVersion = KeyRegistry.of(scan.entries(), scan.skipped(), clock)
                .signingKey(identity);
        return new TokenBaseline(token.provider(), keyVersion);
    }

    /**
     * The channel's TLS, its files read and checked first as the daemon checks its own: gRPC
     * reports a missing or non-PEM file as a stack trace of its channel providers.
     */
    private ChannelCredentials credentials() throws java.io.IOException {
        if (plaintext) {
            return InsecureChannelCredentials.create();
        }
        TlsChannelCredentials.Builder tls = TlsChannelCredentials.newBuilder();
        try {
            if (ca != null) {
                PemFiles.certificates("--ca", ca);
                tls.trustManager(ca.toFile());
            }
            if (cert != null) {
                PemFiles.requireMatchingKey("--cert", cert, "--key", key);
                tls.keyManager(cert.toFile(), key.toFile());
            }
        } catch (ConfigFileException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        return tls.build();
    }
}
