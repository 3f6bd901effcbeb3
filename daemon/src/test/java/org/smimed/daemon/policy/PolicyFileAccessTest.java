package org.smimed.daemon.policy;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Who may change the policy file, on writable and read-only mounts. */
class PolicyFileAccessTest {
    @TempDir
    Path dir;

    /**
     * Kubernetes mounts a ConfigMap read-only with its directory at mode 0777 (with fsGroup,
     * 2777) and the file behind a "..data" link: no one can replace it there, so it is taken.
     */
    @Test
    void anOpenDirectoryOnAReadOnlyMount_isAccepted_andOnAWritableOneRefused() throws Exception {
        Path mount = Files.createDirectory(dir.resolve("config"));
        Path data = Files.createDirectory(mount.resolve("..2026_12_03"));
        Files.writeString(data.resolve("policy.yaml"), "entries: []\n");
        Files.createSymbolicLink(mount.resolve("..data"), data.getFileName());
        Path file = Files.createSymbolicLink(mount.resolve("policy.yaml"),
                Path.of("..data/policy.yaml"));
        Files.setAttribute(mount, "unix:mode", 02777);
        Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwxrwxrwx"));

        assertThatCode(() -> PolicyFileAccess.refuseIfOthersMayChange(file,
                p -> p.startsWith(mount))).doesNotThrowAnyException();
        assertThatThrownBy(() -> PolicyFileAccess.refuseIfOthersMayChange(file, p -> false))
                .isInstanceOf(PolicyException.class)
                .hasMessageContaining("the directory " + mount + " of policy file " + file
                        + " is writable by group or others");
    }
}
