package org.smimed.daemon.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
    void generatedInputs_getAPolicyOrTheListOfProblems() {
        Mutations mutations = new Mutations(8, Mutations.corpus(getClass(), "load"));
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            for (int i = 0; i < GENERATED; i++) {
                check(mutations.next());
            }
        });
    }

    static void check(byte[] yaml) throws Exception {
        Files.write(file, yaml);
        try {
            assertThat(LOADER.load(file)).isNotNull();
        } catch (PolicyException e) {
            assertThat(e.problems()).isNotEmpty();
        }
    }
}
