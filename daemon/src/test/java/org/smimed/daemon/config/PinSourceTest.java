package org.smimed.daemon.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which PIN files are private enough to read. */
class PinSourceTest {
    @TempDir
    Path dir;

    @Test
    void ownerOnlyFile_givesItsFirstLine() throws Exception {
        Path pin = pinFile(dir.resolve("pin"), "rw-------");
        assertThat(new PinSource.FromFile(pin).read(Map.<String, String>of()::get))
                .containsExactly('1', '2', '3', '4');
    }

    @Test
    void groupReadableFile_isRefused() throws Exception {
        Path pin = pinFile(dir.resolve("pin"), "rw-r-----");
        assertThatThrownBy(() -> new PinSource.FromFile(pin).read(Map.<String, String>of()::get))
                .isInstanceOf(PinSource.PinUnavailableException.class)
                .hasMessageContaining("readable or writable by group or others");
    }

    /**
     * systemd 254 and later put credentials on a tmpfs and grant the unit's user read access
     * with an ACL on a root-owned 0400 file; the ACL's mask shows as group read (0440).
     */
    @Test
    void systemdCredential_withAnAclMaskInItsMode_isRead() throws Exception {
        Path credentials = Files.createDirectory(dir.resolve("credentials"));
        Path pin = pinFile(credentials.resolve("pin"), "r--r-----");
        Map<String, String> environment = Map.of("CREDENTIALS_DIRECTORY", credentials.toString());

        assertThat(new PinSource.FromFile(pin).read(environment::get))
                .containsExactly('1', '2', '3', '4');
    }

    @Test
    void groupReadableFile_outsideTheCredentialsDirectory_isStillRefused() throws Exception {
        Path credentials = Files.createDirectory(dir.resolve("credentials"));
        Path pin = pinFile(dir.resolve("pin"), "rw-r-----");
        Path link = Files.createSymbolicLink(credentials.resolve("pin"), pin);
        Map<String, String> environment = Map.of("CREDENTIALS_DIRECTORY", credentials.toString());

        for (Path named : new Path[] {pin, link}) {
            assertThatThrownBy(() -> new PinSource.FromFile(named).read(environment::get))
                    .as(named.toString())
                    .isInstanceOf(PinSource.PinUnavailableException.class)
                    .hasMessageContaining("readable or writable by group or others");
        }
    }

    @Test
    void environmentVariable_unsetOrEmpty_isRefusedSayingWhich() {
        PinSource pin = new PinSource.FromEnvironment("SMIMED_PIN");
        assertThatThrownBy(() -> pin.read(Map.<String, String>of()::get))
                .hasMessage("environment variable SMIMED_PIN (the token PIN) is not set");
        assertThatThrownBy(() -> pin.read(Map.of("SMIMED_PIN", "")::get))
                .hasMessage("environment variable SMIMED_PIN (the token PIN) is empty");
    }

    private static Path pinFile(Path file, String mode) throws Exception {
        Files.writeString(file, "1234\n");
        return Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(mode));
    }
}
