package org.smimed.daemon.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.smimed.daemon.testing.LogCapture;

/**
 * The audit log's file removed, replaced or cut short while the daemon writes it (found by an
 * outside trial: after {@code rm audit.log} or {@code sed -i} on it, every call still succeeded
 * and its record went into a deleted file). The log fails closed, says why at SEVERE, and a
 * restart on a missing or empty file says at WARNING that a new chain begins.
 */
class AuditFileReplacedTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-01-02T03:04:05Z"),
            ZoneOffset.UTC);

    @TempDir
    Path dir;
    private Path file;
    private LogCapture log;

    @BeforeEach
    void listen() {
        file = dir.resolve("audit.log");
        log = LogCapture.of(AuditLog.class);
    }

    @AfterEach
    void stopListening() {
        log.close();
    }

    @Test
    void removedWhileInUse_failsClosed() throws Exception {
        try (AuditLog audit = AuditLog.open(file, CLOCK)) {
            audit.append(entry(1), false);
            Files.delete(file);

            assertRefused(audit, "was removed");
        }
    }

    @Test
    void replacedWhileInUse_failsClosed_andTheEditedFileGetsNoRecord() throws Exception {
        try (AuditLog audit = AuditLog.open(file, CLOCK)) {
            audit.append(entry(1), false);
            audit.append(entry(2), false);
            // What an editor or sed -i does: write a new file, rename it over the old name.
            Path edited = Files.writeString(dir.resolve("audit.log.tmp"),
                    Files.readAllLines(file).get(0) + "\n");
            Files.move(edited, file, StandardCopyOption.REPLACE_EXISTING);

            assertRefused(audit, "was replaced by another file");
            assertThat(Files.readAllLines(file)).hasSize(1);
        }
    }

    @Test
    void cutShortWhileInUse_failsClosed() throws Exception {
        try (AuditLog audit = AuditLog.open(file, CLOCK)) {
            audit.append(entry(1), false);
            audit.append(entry(2), false);
            try (FileChannel c = FileChannel.open(file, StandardOpenOption.WRITE)) {
                c.truncate(0);
            }

            assertRefused(audit, "was cut short");
        }
    }

    /** Found by an auditor trial: 'cat other.log > audit.log' keeps the inode, and grows it. */
    @Test
    void overwrittenInPlaceWithLongerContent_orAppendedTo_failsClosed() throws Exception {
        try (AuditLog audit = AuditLog.open(file, CLOCK)) {
            audit.append(entry(1), false);
            String other = Files.readString(file).repeat(3);
            try (FileChannel c = FileChannel.open(file, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                c.write(java.nio.ByteBuffer.wrap(other.getBytes(
                        java.nio.charset.StandardCharsets.UTF_8)));
            }

            assertRefused(audit, "was written by another process");
        }
    }

    @Test
    void untouched_keepsWriting() throws Exception {
        try (AuditLog audit = AuditLog.open(file, CLOCK)) {
            for (int i = 1; i <= 3; i++) {
                assertThat(audit.append(entry(i), false).seq()).isEqualTo(i);
            }
            assertThat(audit.healthy()).isTrue();
        }
    }

    @Test
    void aNewChain_isSaid_whetherTheFileIsMissingOrEmpty() throws Exception {
        try (AuditLog audit = AuditLog.open(file, CLOCK)) {
            assertThat(audit.newChain()).get().asString()
                    .contains(file + " did not exist: a new chain begins at record 1");
        }
        try (AuditLog audit = AuditLog.open(file, CLOCK)) {
            assertThat(audit.newChain()).get().asString()
                    .contains(file + " is empty: a new chain begins at record 1");
            audit.append(entry(1), false);
        }
        try (AuditLog audit = AuditLog.open(file, CLOCK)) {
            assertThat(audit.newChain()).as("a log that goes on").isEmpty();
        }
        assertThat(log.messages(Level.WARNING)).as("said by the daemon once it serves, not at"
                + " open").isEmpty();
    }

    /**
     * An older copy of the log put back between two runs (found by a fault trial: continued in
     * silence, the chain forked from the missing records) is named at the next start.
     */
    @Test
    void anOlderCopyPutBack_isNamedAtStart() throws Exception {
        try (AuditLog audit = AuditLog.open(file, CLOCK)) {
            audit.append(entry(1), false);
        }
        Path older = Files.copy(file, file.resolveSibling("older.log"));
        String stopped;
        try (AuditLog audit = AuditLog.open(file, CLOCK)) {
            assertThat(audit.newChain()).as("a log that goes on").isEmpty();
            audit.append(entry(2), false);
            audit.append(entry(3), false);
            stopped = audit.head();
        }
        Files.copy(older, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);

        try (AuditLog audit = AuditLog.open(file, CLOCK)) {
            assertThat(audit.newChain()).get().asString().contains("audit log " + file
                    + " ends at record 1, but held record " + stopped + " when this daemon"
                    + " last stopped or rotated it");
            audit.append(entry(2), false);
        }
        // The hidden file is not among the archives smimectl audit verify FILE.* reads.
        try (var listing = Files.list(file.getParent())) {
            assertThat(listing.map(p -> p.getFileName().toString()))
                    .noneMatch(name -> name.startsWith(file.getFileName() + "."));
        }
    }

    /** A service's record (not synced) checks the file at most every tenth of a second. */
    @Test
    void removedWhileInUse_failsClosedForServiceRecordsWithinATenthOfASecond() throws Exception {
        try (AuditLog audit = AuditLog.open(file, CLOCK)) {
            audit.append(entry(1), false);
            Files.delete(file);
            Thread.sleep(150);

            assertThatThrownBy(() -> audit.append(entry(2), false))
                    .isInstanceOf(AuditException.class).hasMessageContaining("was removed");
            assertThat(audit.healthy()).isFalse();
        }
    }

    /** An officer's record (synced) checks the file every time. */
    private void assertRefused(AuditLog audit, String why) {
        assertThatThrownBy(() -> audit.append(entry(9), true))
                .isInstanceOf(AuditException.class).hasMessageContaining(why);
        assertThat(audit.healthy()).isFalse();
        assertThat(log.messages(Level.SEVERE)).singleElement().asString()
                .contains(why, "refusing calls until restarted");
        assertThatThrownBy(() -> audit.append(entry(10), false))
                .as("and stays refused").isInstanceOf(AuditException.class);
    }

    private static AuditEntry entry(int i) {
        return new AuditEntry("req-" + i, "CN=svc,O=t", AuditEvent.SIGN,
                "smimed.v1.SigningService/Sign", "a@b.example", "a@b.example/v1",
                AuditRecord.sha256("req-" + i), AuditOutcome.OK, "OK");
    }
}
