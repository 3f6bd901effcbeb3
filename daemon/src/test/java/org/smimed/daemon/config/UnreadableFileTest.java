package org.smimed.daemon.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A file the configuration names that is there but cannot be used says why, beside "no
 * readable file" (an operator trial's root-owned PIN file read as a missing one).
 */
class UnreadableFileTest {
    @TempDir
    Path dir;

    @Test
    void aDirectoryWhereAFileIsNamed_isSaidToBeNoRegularFile() throws Exception {
        Files.createDirectory(dir.resolve("lib.so"));
        Files.writeString(dir.resolve("p.yaml"), "x");
        Path file = Files.writeString(dir.resolve("smimed.yaml"), """
                token: {library: lib.so, label: dev, pin: {env: PIN}}
                development: {plaintext: true}
                policy: {file: p.yaml}
                audit: {file: audit.log}
                """);

        assertThatThrownBy(() -> new ConfigLoader().load(file))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems())
                        .containsExactly("token.library: no readable file at "
                                + dir.resolve("lib.so") + " (not a regular file)"));
    }
}
