package org.smimed.daemon.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.smimed.daemon.testing.Processes;
import org.smimed.daemon.testing.SoftHsm;
import org.smimed.daemon.testing.TestDeployment;

/**
 * scripts/bench-openssl-engine.sh, the "what a user would otherwise script" comparison, signs
 * with the demo RSA key in a real SoftHSM2 token through OpenSSL's PKCS#11 engine, and its
 * signatures verify against the demo CA. Checks that the script works and reports, never how
 * fast it is (one second, one process).
 */
class OpenSslEngineScriptSoftHsmTest {
    private static final Path SCRIPT = Path.of("..", "scripts", "bench-openssl-engine.sh")
            .toAbsolutePath().normalize();

    @TempDir
    static Path dir;
    private static SoftHsm.Token token;

    @BeforeAll
    static void provision() throws Exception {
        token = SoftHsm.createToken("engine");
        TestDeployment.provision(dir, token);
    }

    @Test
    void script_signsThroughTheEngineVerifiesAndWritesItsRate() throws Exception {
        Path csv = dir.resolve("engine.csv");

        Processes.Result run = Processes.run(List.of(SCRIPT.toString(),
                "--token-label", token.label(), "--pin-file", token.pinFile().toString(),
                "--signer", dir.resolve("pki/" + TestDeployment.RSA + ".crt").toString(),
                "--ca", dir.resolve("pki/ca.crt").toString(),
                "--seconds", "1", "--parallel", "1", "--out", csv.toString()), dir);

        assertThat(run.exitCode()).as(run.stderr()).isZero();
        assertThat(run.stdout()).contains("openssl-engine: the test signature verifies"
                + " (openssl cms -verify -CAfile " + dir.resolve("pki/ca.crt") + ")");
        assertThat(run.stdout()).containsPattern("openssl-engine: [1-9]\\d* messages of 4096"
                + " bytes signed in [0-9.]+ s by 1 parallel processes: [0-9.]+ messages/s");
        List<String> rows = Files.readAllLines(csv);
        assertThat(rows.get(0)).startsWith("tool,bytes,parallel,seconds,signed,failed,");
        assertThat(rows.get(1)).startsWith("openssl-cms-pkcs11-engine,4096,1,");
    }

    @Test
    void script_withWrongPin_failsBeforeTiming() throws Exception {
        Path wrongPin = dir.resolve("wrong.pin");
        Files.writeString(wrongPin, "000000\n");

        Processes.Result run = Processes.run(List.of(SCRIPT.toString(),
                "--token-label", token.label(), "--pin-file", wrongPin.toString(),
                "--signer", dir.resolve("pki/" + TestDeployment.RSA + ".crt").toString(),
                "--seconds", "1"), dir);

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.stderr()).contains("openssl cms -sign through the pkcs11 engine failed:",
                "PIN incorrect");
        assertThat(run.stdout()).doesNotContain("messages/s");
    }

    @Test
    void script_withBadSeconds_isUsageError() throws Exception {
        Processes.Result run = Processes.run(List.of(SCRIPT.toString(),
                "--pin-file", token.pinFile().toString(),
                "--signer", dir.resolve("pki/ca.crt").toString(), "--seconds", "0"), dir);

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.stderr()).isEqualTo("bench-openssl-engine.sh: --seconds must be a"
                + " positive integer (see --help)\n");
    }
}
