package org.smimed.daemon.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.smimed.daemon.Daemon;
import org.smimed.daemon.cli.ExitCodes;
import org.smimed.daemon.cli.SmimedCommand;
import org.smimed.daemon.config.ConfigLoader;
import org.smimed.daemon.testing.SmimedRun;
import org.smimed.daemon.testing.TestDeployment;
import picocli.CommandLine;

/**
 * The benchmark tool runs against a real daemon and the same token, and reports daemon and
 * baseline side by side. It checks the tool works, never how fast anything is: speed is
 * measured by running the tool (docs/performance.md), not by a timed test.
 */
class BenchCommandIT {
    @TempDir
    static Path dir;
    private static TestDeployment deployment;

    @BeforeAll
    static void start() throws Exception {
        deployment = TestDeployment.start(dir);
    }

    @AfterAll
    static void stop() throws Exception {
        deployment.close();
    }

    @Test
    void bench_failedCalls_areCountedByStatus_andARunWhoseEveryCallFailedEndsTheBenchmark()
            throws Exception {
        Path csv = dir.resolve("failing.csv");

        SmimedRun run = bench("--identity", "nobody@smimed.example", "--workload", "sign-digest",
                "--concurrency", "2,4", "--calls", "3", "--warmup", "0", "--csv", csv.toString());

        // The level of 4 callers never runs: it could only fail the same way.
        assertThat(run.exit()).isEqualTo(1);
        List<String> rows = Files.readAllLines(csv);
        assertThat(rows).hasSize(2);
        String[] row = rows.get(1).split(",", -1);
        assertThat(row[4]).isEqualTo("6");
        assertThat(row[17]).isEqualTo("NOT_FOUND=6");
        assertThat(run.out()).contains("errors 6 (NOT_FOUND 6: ").contains("nobody@smimed.example");
        assertThat(run.err()).contains("every call of sign-digest at 2 caller(s) failed, so the"
                + " benchmark stopped: 6 (NOT_FOUND 6: ");
    }

    /** Also when it is one of several: every daemon named is checked before the runs. */
    @Test
    void bench_againstADaemonThatIsNotThere_failsInOneLineBeforeAnyRun() throws Exception {
        int closedPort;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        Path csv = dir.resolve("unreachable.csv");

        SmimedRun run = benchAt("localhost:" + deployment.daemon().port() + ",localhost:"
                + closedPort, "--identity", TestDeployment.RSA,
                "--workload", "sign-digest", "--concurrency", "2", "--duration", "30",
                "--csv", csv.toString());

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).contains("cannot reach smimed at localhost:" + closedPort
                + ": UNAVAILABLE");
        assertThat(run.out()).doesNotContain("sign-digest");
        assertThat(csv).doesNotExist();
    }

    /** Replicas measured together: each daemon gets its connection and half the calls. */
    @Test
    void bench_withSeveralTargets_spreadsItsCallsOverEveryDaemon() throws Exception {
        Path replicaConfig = Files.copy(deployment.dir().resolve("smimed.yaml"),
                deployment.dir().resolve("smimed-replica.yaml"));
        TestDeployment.addConfig(replicaConfig, "audit: {file: audit-replica.log}");
        try (Daemon replica = Daemon.start(new ConfigLoader().load(replicaConfig),
                System::getenv, Clock.systemUTC())) {
            SmimedRun run = benchAt("localhost:" + deployment.daemon().port() + ",localhost:"
                    + replica.port(), "--identity", TestDeployment.EC, "--workload",
                    "sign-digest", "--concurrency", "2", "--calls", "5", "--warmup", "0");

            assertThat(run.exit()).as(run.err()).isZero();
            assertThat(run.out()).contains("1 TLS connection(s) to localhost:"
                    + deployment.daemon().port() + ", localhost:" + replica.port());
        }
        assertThat(signRecords(deployment.auditFile())).isEqualTo(5);
        assertThat(signRecords(deployment.dir().resolve("audit-replica.log"))).isEqualTo(5);
    }

    /** Sign records of EC, which no other test signs with: their late records do not count. */
    private static long signRecords(Path auditLog) throws Exception {
        try (var lines = Files.lines(auditLog)) {
            return lines.filter(l -> l.contains("\"method\":\"smimed.v1.SigningService/Sign\","
                    + "\"identity\":\"" + TestDeployment.EC + "\"")).count();
        }
    }

    /** Found by an outside trial: exit 1 and a stack trace, where --help promises 4. */
    @Test
    void bench_withATokenItCannotUse_failsInOneLine_withTheTokenExitCode() {
        SmimedRun run = bench("--identity", TestDeployment.RSA, "--calls", "1", "--warmup", "0",
                "--token-label", "no-such-token",
                "--pin-file", deployment.token().pinFile().toString());

        assertThat(run.exit()).isEqualTo(ExitCodes.TOKEN);
        assertThat(run.err()).startsWith("smimed bench: token: ").contains("no-such-token");
        assertThat(run.err().lines()).hasSize(1);
    }

    /** Found by an outside trial: a missing or non-PEM --ca was gRPC's stack trace. */
    @Test
    void bench_withTlsFilesMissingOrNotPem_failsInOneLineNamingTheOption() throws Exception {
        Path missing = dir.resolve("missing-ca.pem");
        Path notPem = Files.writeString(dir.resolve("not-a-ca.pem"), "not PEM\n");
        String target = "localhost:" + deployment.daemon().port();
        for (Path ca : List.of(missing, notPem)) {
            SmimedRun run = SmimedRun.of("bench", "--target", target, "--ca", ca.toString(),
                    "--identity", TestDeployment.RSA, "--calls", "1", "--warmup", "0");

            assertThat(run.exit()).as(ca.toString()).isEqualTo(1);
            assertThat(run.err()).as(ca.toString()).startsWith("smimed bench: --ca: " + ca + ": ");
            assertThat(run.err().lines()).as(ca.toString()).hasSize(1);
        }
        SmimedRun alone = SmimedRun.of("bench", "--target", target,
                "--cert", deployment.clientCertificate().toString(),
                "--identity", TestDeployment.RSA, "--calls", "1");
        assertThat(alone.exit()).isEqualTo(2);
        assertThat(alone.err()).contains("--cert and --key go together");
    }

    @Test
    void bench_reportsDaemonAndBaselineWithRatios() throws Exception {
        Path csv = dir.resolve("bench.csv");
        Path svg = dir.resolve("bench.svg");

        int exit = SmimedCommand.commandLine(System::getenv, Clock.systemUTC()).execute("bench",
                "--target", "localhost:" + deployment.daemon().port(),
                "--ca", deployment.caCertificate().toString(),
                "--cert", deployment.clientCertificate().toString(),
                "--key", deployment.clientKey().toString(),
                "--identity", TestDeployment.RSA,
                "--workload", "sign-digest,sign-batch-64,decrypt-4k,decrypt-4k-stream",
                "--concurrency", "1,2", "--calls", "10", "--warmup", "0",
                "--token-label", deployment.token().label(),
                "--pin-file", deployment.token().pinFile().toString(),
                "--csv", csv.toString(), "--svg", svg.toString());

        assertThat(exit).isZero();
        List<String> rows = Files.readAllLines(csv);
        assertThat(rows.get(0)).startsWith("workload,mode,concurrency,calls,errors");
        assertThat(rows).hasSize(1 + 4 * 2 * 2);
        for (String row : rows.subList(1, rows.size())) {
            String[] f = row.split(",", -1);
            assertThat(Long.parseLong(f[3])).as(row).isEqualTo(10L * Integer.parseInt(f[2]));
            assertThat(f[4]).as("errors in " + row).isEqualTo("0");
            assertThat(f[12].isEmpty()).as(row).isEqualTo(f[1].equals("baseline"));
        }
        assertThat(Files.readString(svg)).startsWith("<svg").contains("sign-digest daemon",
                "sign-digest baseline", "decrypt-4k daemon", "decrypt-4k-stream daemon");
    }

    @Test
    void bench_withRateFraction_runsOpenLoopAtThatShareOfThePeakAndReportsPercentiles()
            throws Exception {
        Path csv = dir.resolve("rate.csv");

        SmimedRun run = bench("--identity", TestDeployment.RSA, "--workload", "sign-digest",
                "--concurrency", "2", "--calls", "5", "--duration", "1", "--warmup", "0",
                "--token-label", deployment.token().label(),
                "--pin-file", deployment.token().pinFile().toString(),
                "--rate-fraction", "0.5", "--csv", csv.toString());

        assertThat(run.exit()).isZero();
        List<String> rows = Files.readAllLines(csv);
        assertThat(rows.get(0)).endsWith(
                ",target_rate_per_s,p99_over_p50,send_lag_p99_us,error_reasons");
        assertThat(rows).hasSize(5);
        // The token's own tail at half of its own peak, measured the same way; then the daemon.
        String[] tokenOpen = assertHalfOfPeak(rows.get(1), "baseline", rows.get(2));
        assertThat(tokenOpen[12]).as("no throughput ratio for a fixed rate").isEmpty();
        String[] open = assertHalfOfPeak(rows.get(3), "daemon", rows.get(4));
        assertThat(open[2]).isEqualTo("2");
        assertThat(rows.get(3).split(",", -1)[16]).as("closed loop has no schedule").isEmpty();
        assertThat(run.out()).containsPattern(
                "sign-digest +rate +c=2 +rate [0-9.]+ calls/s: achieved [0-9.]+ calls/s"
                        + " +p50 +\\d+ us"
                        + " +p90 +\\d+ +p99 +\\d+ +p99\\.9 +\\d+ +p99/p50 [0-9.]+ +errors 0"
                        + " +send lag p99 \\d+ us").containsPattern(
                "sign-digest +baseline-rate +c=2 +rate [0-9.]+ calls/s: achieved [0-9.]+ calls/s"
                        + " +p50 +\\d+ us .* +p99/p50 [0-9.]+ +errors 0");
    }

    /** Runs {@code smimed bench} against the test daemon with its TLS options, capturing output. */
    private static SmimedRun bench(String... args) {
        return benchAt("localhost:" + deployment.daemon().port(), args);
    }

    private static SmimedRun benchAt(String target, String... args) {
        List<String> all = new java.util.ArrayList<>(List.of("bench",
                "--target", target,
                "--ca", deployment.caCertificate().toString(),
                "--cert", deployment.clientCertificate().toString(),
                "--key", deployment.clientKey().toString()));
        all.addAll(List.of(args));
        return SmimedRun.of(all.toArray(String[]::new));
    }

    /**
     * Checks that {@code openRow} is the open loop of {@code closedMode} ("mode-rate") at half
     * the calls/s of {@code peakRow}, with calls, no errors and ordered percentiles; returns it.
     */
    private static String[] assertHalfOfPeak(String peakRow, String closedMode, String openRow) {
        String[] peak = peakRow.split(",", -1);
        String[] open = openRow.split(",", -1);
        assertThat(peak[1]).isEqualTo(closedMode);
        assertThat(open[1]).isEqualTo(closedMode + "-rate");
        assertThat(Double.parseDouble(open[14]))
                .isCloseTo(Double.parseDouble(peak[6]) / 2, within(0.1));
        assertThat(Long.parseLong(open[3])).as(openRow).isPositive();
        assertThat(open[4]).as("errors in " + openRow).isEqualTo("0");
        assertThat(Long.parseLong(open[9])).isGreaterThanOrEqualTo(Long.parseLong(open[7]));
        // The caller's own lateness is part of each latency, so it cannot exceed the p99.
        assertThat(Long.parseLong(open[16])).isBetween(0L, Long.parseLong(open[9]));
        return open;
    }

    @Test
    void bench_withFixedRate_runsOnlyTheOpenLoop() throws Exception {
        Path csv = dir.resolve("fixed.csv");

        int exit = SmimedCommand.commandLine(System::getenv, Clock.systemUTC()).execute("bench",
                "--target", "localhost:" + deployment.daemon().port(),
                "--ca", deployment.caCertificate().toString(),
                "--cert", deployment.clientCertificate().toString(),
                "--key", deployment.clientKey().toString(),
                "--identity", TestDeployment.RSA, "--workload", "sign-digest",
                "--rate", "5", "--duration", "1", "--warmup", "0", "--connections", "2",
                "--csv", csv.toString());

        assertThat(exit).isZero();
        List<String> rows = Files.readAllLines(csv);
        assertThat(rows).hasSize(2);
        assertThat(rows.get(1)).startsWith("sign-digest,daemon-rate,0,5,0,");
        assertThat(rows.get(1).split(",", -1)[14]).isEqualTo("5.0");
    }

    @Test
    void bench_withLargeMessageFile_decryptsThatMessage_andABrokenOneCountsErrors()
            throws Exception {
        byte[] plaintext = new byte[300_000];
        new java.security.SecureRandom().nextBytes(plaintext);
        Path plain = Files.write(dir.resolve("plain.bin"), plaintext);
        Path message = dir.resolve("openssl.der");
        var encrypted = org.smimed.daemon.testing.Processes.run(List.of("openssl", "cms",
                "-encrypt", "-binary", "-aes-256-gcm", "-in", plain.toString(), "-outform", "DER",
                "-out", message.toString(), deployment.certificate(TestDeployment.RSA).toString()),
                dir);
        assertThat(encrypted.exitCode()).as(encrypted.stderr()).isZero();
        byte[] broken = Files.readAllBytes(message);
        broken[broken.length - 40] ^= 0x01;
        Path tampered = Files.write(dir.resolve("tampered.der"), broken);

        for (Path file : List.of(message, tampered)) {
            Path csv = dir.resolve(file.getFileName() + ".csv");
            int exit = SmimedCommand.commandLine(System::getenv, Clock.systemUTC()).execute(
                    "bench", "--target", "localhost:" + deployment.daemon().port(),
                    "--ca", deployment.caCertificate().toString(),
                    "--cert", deployment.clientCertificate().toString(),
                    "--key", deployment.clientKey().toString(),
                    "--identity", TestDeployment.RSA, "--workload", "decrypt-large",
                    "--large-message", file.toString(), "--concurrency", "1", "--calls", "2",
                    "--warmup", "0", "--csv", csv.toString());

            // A message that never decrypts fails every call: the benchmark says so (exit 1).
            assertThat(exit).isEqualTo(file.equals(message) ? 0 : 1);
            String[] row = Files.readAllLines(csv).get(1).split(",", -1);
            assertThat(row[0]).isEqualTo("decrypt-large");
            assertThat(row[4]).as("errors").isEqualTo(file.equals(message) ? "0" : "2");
        }
    }

    @Test
    void bench_withPrewarm_runsTheWorkloadUnmeasuredFirstAndReportsOnlyMeasuredRuns()
            throws Exception {
        Path csv = dir.resolve("prewarm.csv");

        SmimedRun run = bench("--identity", TestDeployment.RSA, "--workload", "sign-digest",
                "--concurrency", "1,2", "--calls", "3", "--warmup", "0", "--prewarm", "1",
                "--csv", csv.toString());

        assertThat(run.exit()).isZero();
        String out = run.out();
        assertThat(out).containsPattern("sign-digest +prewarm +c=2 +1 s unmeasured,"
                + " [1-9][0-9]* calls,"
                + " 0 errors");
        assertThat(out.indexOf("prewarm")).isLessThan(out.indexOf("daemon   c=1"));
        assertThat(Files.readAllLines(csv)).hasSize(3);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "--rate=10|--rate-fraction=0.5|--rate and --rate-fraction exclude each other",
        "--rate=0|--warmup=0|--rate must be a number of calls per second in (0, 1000000], got 0.0",
        "--rate-fraction=1.5|--warmup=0|--rate-fraction must be in (0, 1], got 1.5",
        "--rate=10|--calls=5|--rate runs for --duration; --calls applies to closed-loop runs only",
        "--max-in-flight=0|--rate=10|--max-in-flight must be at least 1, got 0",
        "--duration=0|--warmup=0|--duration must be at least 1 second",
        "--concurrency=0|--warmup=0|--concurrency levels must be >= 1",
        "--connections=0|--warmup=0|--connections must be 1 to 256",
        "--csv=/nonexistent-dir/out.csv|--warmup=0|--csv: no directory /nonexistent-dir"})
    void bench_withBadRateOrNumbers_isUsageErrorSayingWhy(String first, String second,
                                                          String message) {
        StringWriter err = new StringWriter();
        CommandLine cli = SmimedCommand.commandLine(System::getenv, Clock.systemUTC());
        cli.setErr(new PrintWriter(err));

        int exit = cli.execute("bench", "--identity", TestDeployment.RSA, first, second);

        assertThat(exit).isEqualTo(2);
        assertThat(err.toString()).startsWith(message + System.lineSeparator());
    }

    /** Both caller models drive the same unary calls to the same counts (async is the default). */
    @Test
    void bench_withThreadCallers_runsEachCallerOnItsOwnThread() throws Exception {
        Path csv = dir.resolve("threads.csv");

        SmimedRun run = bench("--identity", TestDeployment.RSA,
                "--workload", "sign-digest,decrypt-4k", "--callers", "threads",
                "--concurrency", "2", "--calls", "5", "--warmup", "0", "--csv", csv.toString());

        assertThat(run.exit()).as(run.out()).isZero();
        assertThat(run.out()).startsWith("callers: threads ");
        List<String> rows = Files.readAllLines(csv);
        assertThat(rows).hasSize(3);
        for (String row : rows.subList(1, rows.size())) {
            String[] f = row.split(",", -1);
            assertThat(f[3]).as(row).isEqualTo("10");
            assertThat(f[4]).as(row).isEqualTo("0");
        }
    }

    @Test
    void bench_withUnknownCallerModel_isUsageErrorNamingTheValidOnes() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        var cli = SmimedCommand.commandLine(System::getenv, Clock.systemUTC());
        cli.setErr(new PrintWriter(err, true, java.nio.charset.StandardCharsets.UTF_8));

        int exit = cli.execute("bench", "--identity", TestDeployment.RSA, "--callers", "fibers");

        assertThat(exit).isEqualTo(2);
        assertThat(err.toString(java.nio.charset.StandardCharsets.UTF_8))
                .contains("unknown caller model 'fibers' (valid: async, threads)");
    }

    /** Found by an outside trial: a stack trace ("No such algorithm") after connecting. */
    @Test
    void bench_decryptWithAnEcIdentity_failsInOneLineSayingWhy() {
        StringWriter err = new StringWriter();
        CommandLine cli = SmimedCommand.commandLine(System::getenv, Clock.systemUTC());
        cli.setErr(new PrintWriter(err));

        int exit = cli.execute("bench", "--target", "localhost:" + deployment.daemon().port(),
                "--ca", deployment.caCertificate().toString(),
                "--cert", deployment.clientCertificate().toString(),
                "--key", deployment.clientKey().toString(),
                "--identity", TestDeployment.EC, "--workload", "decrypt-4k", "--calls", "1",
                "--warmup", "0");

        assertThat(exit).isEqualTo(1);
        assertThat(err.toString()).isEqualTo("smimed bench: the decrypt workloads need an RSA"
                + " identity (RSA key transport, measured against the token's RSA decryption); '"
                + TestDeployment.EC + "' has an EC key" + System.lineSeparator());
    }

    @Test
    void bench_withUnknownWorkload_isUsageError() {
        int exit = SmimedCommand.commandLine(System::getenv, Clock.systemUTC()).execute("bench",
                "--identity", TestDeployment.RSA, "--workload", "sing");
        assertThat(exit).isEqualTo(2);
    }
}
