package org.smimed.daemon.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reloads as the audit log sees them: each one given to the recorder, before it applies. */
class PolicyStoreTest {
    private static final String ALICE = "callers:\n  - {name: alice, email: a@example.com,"
            + " sign: [\"*\"], officer: true}\n";
    private static final String BOB = "callers:\n  - {name: bob, email: b@example.com,"
            + " sign: [\"*\"]}\n";

    @TempDir
    Path dir;

    @Test
    void eachReload_isRecorded_andOneThatCannotBe_isNotApplied() throws Exception {
        Path file = Files.writeString(dir.resolve("policy.yaml"), ALICE);
        PolicyStore store = PolicyStore.load(file);
        List<PolicyStore.Reload> recorded = new ArrayList<>();
        store.recordReloads(recorded::add);

        Files.writeString(file, BOB);
        assertThat(store.reload()).isTrue();
        Files.writeString(file, "callers: [");
        assertThat(store.reload()).isFalse();

        assertThat(recorded).hasSize(2);
        assertThat(recorded.get(0).text()).isEqualTo(BOB);
        assertThat(recorded.get(0).policy().orElseThrow().rules()).extracting(CallerRule::name)
                .containsExactly("bob");
        assertThat(recorded.get(1).policy()).isEmpty();
        assertThat(recorded.get(1).problems()).hasSize(1);

        store.recordReloads(reload -> {
            throw new java.io.IOException("disk full");
        });
        Files.writeString(file, ALICE);
        assertThat(store.reload()).isFalse();
        assertThat(store.current().rules()).extracting(CallerRule::name).containsExactly("bob");
    }
}
