package org.smimed.daemon.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Why the audit log could not be opened, in words an operator acts on. */
class AuditExceptionTest {
    /** Built directly: as root (the CI) no directory mode denies access. */
    @Test
    void cannotOpen_namesTheDirectoryForADeniedAccess_andTheFileSystemsReason() {
        Path file = Path.of("/var/lib/smimed/audit.log");

        assertThat(AuditException.cannotOpen(file, new AccessDeniedException(file.toString()))
                .getMessage()).isEqualTo("cannot open audit log /var/lib/smimed/audit.log:"
                        + " AccessDeniedException: permission denied (may the daemon's user"
                        + " create and write files in /var/lib/smimed?)");
        assertThat(AuditException.cannotOpen(file, new FileSystemException(file.toString(),
                null, "Read-only file system")).getMessage()).isEqualTo("cannot open audit log"
                        + " /var/lib/smimed/audit.log: FileSystemException: Read-only file"
                        + " system");
    }
}
