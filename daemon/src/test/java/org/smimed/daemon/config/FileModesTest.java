package org.smimed.daemon.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Files that should be private (TLS keys, the audit log) are named when they are not. */
class FileModesTest {
    @TempDir
    Path dir;

    @Test
    void aFileOthersMayRead_isNamedWithItsMode_aPrivateOneIsNot() throws Exception {
        Path key = Files.writeString(dir.resolve("server.key"), "x");
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-r--r--"));

        assertThat(FileModes.warnIfNotPrivate("tls.privateKey", key)).hasValue("tls.privateKey "
                + key + " may be read or written by group or others (mode rw-r--r--); chmod"
                + " 600 it");

        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
        assertThat(FileModes.warnIfNotPrivate("tls.privateKey", key)).isEmpty();
    }

    @Test
    void aDirectoryOthersMayWrite_isNamedUnlessSticky() throws Exception {
        Path logs = Files.createDirectory(dir.resolve("logs"));
        Files.setAttribute(logs, "unix:mode", 0777);

        assertThat(FileModes.warnIfOthersMayReplace("the audit log's", logs)).hasValue(
                "the audit log's directory " + logs + " may be written by group or others"
                        + " (mode 777), who could replace or remove the files in it; chmod"
                        + " go-w it");

        Files.setAttribute(logs, "unix:mode", 01777);
        assertThat(FileModes.warnIfOthersMayReplace("the audit log's", logs)).isEmpty();
        Files.setAttribute(logs, "unix:mode", 0755);
        assertThat(FileModes.warnIfOthersMayReplace("the audit log's", logs)).isEmpty();
    }
}
