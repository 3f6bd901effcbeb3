package org.smimed.daemon.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The watcher notices a policy swapped the ways deployments swap it, on a real file system:
 * a Kubernetes ConfigMap update and a symbolic link whose target is replaced elsewhere.
 */
class PolicyWatcherTest {
    private static final Duration PATIENCE = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    @Test
    void configMapUpdate_swappingTheDataLink_revokesTheCallerWithoutSighup() throws Exception {
        // The layout a kubelet writes: policy.yaml -> ..data/policy.yaml, ..data -> ..v1.
        writeVersion("..v1", "alice", "bob");
        Files.createSymbolicLink(dir.resolve("..data"), Path.of("..v1"));
        Path file = Files.createSymbolicLink(dir.resolve("policy.yaml"),
                Path.of("..data/policy.yaml"));
        PolicyStore store = PolicyStore.load(file);

        try (PolicyWatcher watcher = PolicyWatcher.start(store)) {
            writeVersion("..v2", "alice");
            swapDataLinkTo("..v2");
            awaitCallers(store, List.of("alice"));

            writeVersion("..v3", "carol");
            swapDataLinkTo("..v3");
            awaitCallers(store, List.of("carol"));
        }
    }

    @Test
    void linkToAnotherDirectory_targetReplacedThere_reloads() throws Exception {
        Path elsewhere = Files.createDirectory(dir.resolve("elsewhere"));
        Path watchedDir = Files.createDirectory(dir.resolve("config"));
        Files.writeString(elsewhere.resolve("current.yaml"), policy("alice", "bob"));
        Path file = Files.createSymbolicLink(watchedDir.resolve("policy.yaml"),
                elsewhere.resolve("current.yaml"));
        PolicyStore store = PolicyStore.load(file);

        try (PolicyWatcher watcher = PolicyWatcher.start(store)) {
            Path next = Files.writeString(elsewhere.resolve("current.yaml.new"), policy("bob"));
            Files.move(next, elsewhere.resolve("current.yaml"), StandardCopyOption.ATOMIC_MOVE,
                    StandardCopyOption.REPLACE_EXISTING);
            awaitCallers(store, List.of("bob"));
        }
    }

    /**
     * Written in place in two steps, as an editor or cp truncates and then writes: the watcher
     * read it half-written and recorded a refused reload nobody submitted (an officer trial).
     */
    @Test
    void fileWrittenInPlaceInSteps_isReadOnceWhole_withNoRefusedReload() throws Exception {
        assertSavedInStepsIsReadOnceWhole(false);
    }

    /**
     * The same beside a file written every 2 ms, as an audit log beside the policy is under
     * load: its events neither end the wait early nor hold the reload back (a review found
     * the first wait gave out in milliseconds there).
     */
    @Test
    void fileWrittenInPlaceBesideABusyLog_isStillReadOnceWhole() throws Exception {
        assertSavedInStepsIsReadOnceWhole(true);
    }

    /** Saves alice's policy as bob's, truncated first, and checks one reload, taken. */
    private void assertSavedInStepsIsReadOnceWhole(boolean busyLog) throws Exception {
        Path file = Files.writeString(dir.resolve("policy.yaml"), policy("alice"));
        PolicyStore store = PolicyStore.load(file);
        List<PolicyStore.Reload> reloads = new java.util.concurrent.CopyOnWriteArrayList<>();
        store.recordReloads(reloads::add);
        java.util.concurrent.atomic.AtomicBoolean busy =
                new java.util.concurrent.atomic.AtomicBoolean(busyLog);
        Thread log = new Thread(() -> {
            while (busy.get()) {
                try {
                    Files.writeString(dir.resolve("audit.log"), "x\n",
                            java.nio.file.StandardOpenOption.CREATE,
                            java.nio.file.StandardOpenOption.APPEND);
                    Thread.sleep(2);
                } catch (Exception e) {
                    return;
                }
            }
        });
        log.start();
        // A quiet time long beside the gap between the two writes: under a CI build's load a
        // 50 ms sleep outlasted the real 150 ms, and the truncated file was read.
        Duration quiet = Duration.ofSeconds(2);
        try (PolicyWatcher watcher = PolicyWatcher.start(store, quiet)) {
            Thread.sleep(busyLog ? 200 : 0);
            Files.writeString(file, ""); // truncated
            Thread.sleep(PolicyWatcher.QUIET.toMillis() / 3);
            Files.writeString(file, policy("bob"));
            awaitCallers(store, List.of("bob"));
        } finally {
            busy.set(false);
            log.join();
        }
        assertThat(reloads).extracting(r -> r.policy().isPresent()).containsExactly(true);
    }

    @Test
    void reloadIfChanged_reloadsOnlyWhenTheTextDiffers() throws Exception {
        Path file = Files.writeString(dir.resolve("policy.yaml"), policy("alice"));
        PolicyStore store = PolicyStore.load(file);

        assertThat(store.reloadIfChanged()).isFalse();
        Files.writeString(file, policy("bob"));
        assertThat(store.reloadIfChanged()).isTrue();
        assertThat(names(store)).containsExactly("bob");
        assertThat(store.reloadIfChanged()).isFalse();

        Files.writeString(file, "callers: nonsense\n");
        assertThat(store.reloadIfChanged()).isFalse();
        assertThat(names(store)).containsExactly("bob");
        assertThat(store.reload()).as("SIGHUP re-reads whatever the text").isFalse();
    }

    private void writeVersion(String version, String... callers) throws Exception {
        Files.writeString(Files.createDirectory(dir.resolve(version)).resolve("policy.yaml"),
                policy(callers));
    }

    /** {@code ln -s VERSION ..data_tmp && mv -T ..data_tmp ..data}: one rename(2). */
    private void swapDataLinkTo(String version) throws Exception {
        Path temporary = Files.createSymbolicLink(dir.resolve("..data_tmp"), Path.of(version));
        Files.move(temporary, dir.resolve("..data"), StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);
    }

    private static String policy(String... callers) {
        StringBuilder yaml = new StringBuilder("callers:\n");
        for (String caller : callers) {
            yaml.append("  - {name: %s, email: %s@example.com, sign: [\"*\"]}\n"
                    .formatted(caller, caller));
        }
        return yaml.toString();
    }

    private static List<String> names(PolicyStore store) {
        return store.current().rules().stream().map(CallerRule::name).toList();
    }

    private static void awaitCallers(PolicyStore store, List<String> expected)
            throws InterruptedException {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (!names(store).equals(expected)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("policy still names " + names(store) + ", not "
                        + expected + ", after " + PATIENCE);
            }
            Thread.sleep(50);
        }
    }
}
