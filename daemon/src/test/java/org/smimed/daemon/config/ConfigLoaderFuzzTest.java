package org.smimed.daemon.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.smimed.daemon.testing.TlsFiles;
import org.smimed.client.testing.Mutations;

/**
 * Fuzz target: config file bytes into {@link ConfigLoader}. The contract: a validated
 * {@link DaemonConfig} or a {@link ConfigException} listing problems; never another exception
 * or a hang. The files a config names exist in the directory, so valid inputs load.
 */
class ConfigLoaderFuzzTest {
    static final int GENERATED = 1000;

    @TempDir
    static Path dir;
    static Path file;
    static final ConfigLoader LOADER = new ConfigLoader();

    @BeforeAll
    static void files() throws Exception {
        for (String name : new String[] {"user.pin", "policy.yaml"}) {
            Files.writeString(dir.resolve(name), "x");
        }
        TlsFiles.write(dir.resolve("server.crt"), dir.resolve("server.key"));
        TlsFiles.writeCertificate(dir.resolve("clients.pem"));
        file = dir.resolve("smimed.yaml");
    }

    @FuzzTest(maxDuration = "10m")
    void load(byte[] yaml) throws Exception {
        check(yaml);
    }

    @Test
    void generatedInputs_getAConfigOrTheListOfProblems() throws Exception {
        Mutations mutations = new Mutations(8, Mutations.corpus(getClass(), "load"));
        int accepted = 0;
        for (int i = 0; i < GENERATED; i++) {
            accepted += check(mutations.next()) ? 1 : 0;
        }
        // Both outcomes occur: code refusing everything (or nothing) would pass check alone.
        assertThat(accepted).as("inputs that loaded").isPositive().isLessThan(GENERATED);
    }

    @Test
    void fullCorpusExample_loadsWithEveryLimit() throws Exception {
        Files.write(file, Files.readAllBytes(Path.of(
                "src/test/resources/org/smimed/daemon/config/ConfigLoaderFuzzTestInputs/load",
                "full.yaml")));

        DaemonConfig.Limits limits = LOADER.load(file).limits();

        assertThat(limits.maxInFlightBytes()).isEqualTo(134217728L);
        assertThat(limits.streamIdle()).isEqualTo(Duration.ofSeconds(30));
    }

    /** Whether {@code yaml} loaded; refusals must list their problems. */
    static boolean check(byte[] yaml) throws Exception {
        Files.write(file, yaml);
        try {
            assertThat(LOADER.load(file).limits().maxMessageBytes()).isPositive();
            return true;
        } catch (ConfigException e) {
            assertThat(e.problems()).isNotEmpty();
            return false;
        }
    }
}
