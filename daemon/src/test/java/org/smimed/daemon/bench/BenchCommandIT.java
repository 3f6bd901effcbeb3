package org.smimed.daemon.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.smimed.daemon.cli.SmimedCommand;
import org.smimed.daemon.testing.TestDeployment;

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
    void bench_reportsDaemonAndBaselineWithRatios() throws Exception {
        Path csv = dir.resolve("bench.csv");
        Path svg = dir.resolve("bench.svg");

        int exit = SmimedCommand.commandLine(System::getenv, Clock.systemUTC()).execute("bench",
                "--target", "localhost:" + deployment.daemon().port(),
                "--ca", deployment.caCertificate().toString(),
                "--cert", deployment.clientCertificate().toString(),
                "--key", deployment.clientKey().toString(),
                "--identity", TestDeployment.RSA, "--workload", "sign-digest,sign-batch-64,decrypt-4k",
                "--concurrency", "1,2", "--calls", "10", "--warmup", "0",
                "--token-label", deployment.token().label(),
                "--pin-file", deployment.token().pinFile().toString(),
                "--csv", csv.toString(), "--svg", svg.toString());

        assertThat(exit).isZero();
        List<String> rows = Files.readAllLines(csv);
        assertThat(rows.get(0)).startsWith("workload,mode,concurrency,calls,errors");
        assertThat(rows).hasSize(1 + 3 * 2 * 2);
        for (String row : rows.subList(1, rows.size())) {
            String[] f = row.split(",", -1);
            assertThat(Long.parseLong(f[3])).as(row).isEqualTo(10L * Integer.parseInt(f[2]));
            assertThat(f[4]).as("errors in " + row).isEqualTo("0");
            assertThat(f[12].isEmpty()).as(row).isEqualTo(f[1].equals("baseline"));
        }
        assertThat(Files.readString(svg)).startsWith("<svg").contains("sign-digest daemon",
                "sign-digest baseline", "decrypt-4k daemon");
    }

    @Test
    void bench_withUnknownWorkload_isUsageError() {
        int exit = SmimedCommand.commandLine(System::getenv, Clock.systemUTC()).execute("bench",
                "--identity", TestDeployment.RSA, "--workload", "sing");
        assertThat(exit).isEqualTo(2);
    }
}
