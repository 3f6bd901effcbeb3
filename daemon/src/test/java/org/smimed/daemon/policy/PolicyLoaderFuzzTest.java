package org.smimed.daemon.policy;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.smimed.client.testing.Mutations;

/**
 * Fuzz target: policy file bytes into {@link PolicyLoader} (the policy is reloaded whenever the
 * file changes, so a half-written or damaged file must be refused cleanly). The contract: a
 * {@link Policy} or a {@link PolicyException} listing problems; never another exception or a
 * hang.
 */
class PolicyLoaderFuzzTest {
    static final int GENERATED = 1000;

    @TempDir
    static Path dir;
    static Path file;
    static final PolicyLoader LOADER = new PolicyLoader();

    @BeforeAll
    static void file() {
        file = dir.resolve("policy.yaml");
    }

    @FuzzTest(maxDuration = "10m")
    void load(byte[] yaml) throws Exception {
        check(yaml);
    }

    @Test
    void generatedInputs_getAPolicyOrTheListOfProblems() throws Exception {
        Mutations mutations = new Mutations(8, Mutations.corpus(getClass(), "load"));
        int accepted = 0;
        for (int i = 0; i < GENERATED; i++) {
            accepted += check(mutations.next()) ? 1 : 0;
        }
        // Both outcomes occur: code refusing everything (or nothing) would pass check alone.
        assertThat(accepted).as("inputs that loaded").isPositive().isLessThan(GENERATED);
    }

    /** Whether {@code yaml} loaded; refusals must list their problems. */
    static boolean check(byte[] yaml) throws Exception {
        Files.write(file, yaml);
        try {
            LOADER.load(file);
            return true;
        } catch (PolicyException e) {
            assertThat(e.problems()).isNotEmpty();
            return false;
        }
    }
}
