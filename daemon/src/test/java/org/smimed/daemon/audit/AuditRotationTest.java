package org.smimed.daemon.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.smimed.client.admin.SmimectlCli;
import org.smimed.client.cli.CliIo;

/**
 * A rotated audit log is one chain over several files: the writer renames a full file to
 * FILE.SEQ and goes on in a new FILE whose first record follows the archive's last, and
 * {@code smimectl audit verify} checks the files together, or a later file after a known
 * record; a file removed from the middle is named.
 */
class AuditRotationTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-01-02T03:04:05Z"),
            ZoneOffset.UTC);
    /** Each test record is about 480 bytes: a rotation every four or five records. */
    private static final int ROTATE_BYTES = 2000;

    @TempDir
    Path dir;

    @Test
    void fullFiles_areArchivedAndTheChainGoesOnInTheNewFile() throws Exception {
        Path log = dir.resolve("audit.log");
        write(log, 1, 12);

        List<Path> archives = archives(log);
        assertThat(archives).hasSizeGreaterThanOrEqualTo(2);
        for (Path archive : archives) {
            String last = lastLine(archive);
            assertThat(archive.getFileName().toString())
                    .isEqualTo("audit.log." + String.format("%012d", seqOf(last)));
            assertThat(Files.size(archive)).isGreaterThanOrEqualTo(ROTATE_BYTES);
            assertThat(java.nio.file.attribute.PosixFilePermissions.toString(
                    Files.getPosixFilePermissions(archive))).isEqualTo("rw-------");
        }
        assertThat(Files.readAllLines(log).get(0))
                .startsWith("{\"seq\":" + (seqOf(lastLine(archives.get(archives.size() - 1))) + 1)
                        + ",");

        assertIntact(log, "intact, 12 records, head 12:");
    }

    @Test
    void aLaterFileAlone_needsTheRecordItFollows() throws Exception {
        Path log = dir.resolve("audit.log");
        write(log, 1, 12);
        Path lastArchive = archives(log).get(archives(log).size() - 1);
        String lastLine = lastLine(lastArchive);
        String after = seqOf(lastLine) + ":" + lastLine.replaceAll(".*\"hash\":\"(\\w+)\".*", "$1");

        Run alone = verify(List.of(log.toString()));
        assertThat(alone.exit()).isEqualTo(1);
        assertThat(alone.err()).contains("where record 1 belongs")
                .contains("give --after SEQ:HASH");

        Run followed = verify(List.of(log.toString(), "--after", after));
        assertThat(followed.exit()).isZero();
        assertThat(followed.out()).contains("intact, " + (12 - seqOf(lastLine)) + " records");

        Run wrongAfter = verify(List.of(log.toString(), "--after",
                seqOf(lastLine) + ":" + "0".repeat(64)));
        assertThat(wrongAfter.exit()).isEqualTo(1);
        assertThat(wrongAfter.err()).contains("does not follow record " + seqOf(lastLine));

        // An anchor from before --after cannot be in these files: a usage error, not the
        // "truncated" an auditor trial was told.
        Run oldAnchor = verify(List.of(log.toString(), "--after", after, "--anchor",
                "1:" + "a".repeat(64)));
        assertThat(oldAnchor.exit()).isEqualTo(2);
        assertThat(oldAnchor.err()).isEqualTo("smimectl: --anchor 1 is not after --after "
                + seqOf(lastLine) + ": the chain checked starts after record " + seqOf(lastLine)
                + ", so it cannot hold that record; give an anchor from a later record\n");
    }

    @Test
    void aFileRemovedFromTheMiddle_isNamed() throws Exception {
        Path log = dir.resolve("audit.log");
        write(log, 1, 16);
        List<Path> archives = archives(log);
        assertThat(archives).hasSizeGreaterThanOrEqualTo(3);
        long expected = seqOf(lastLine(archives.get(0))) + 1;
        long found = seqOf(lastLine(archives.get(1))) + 1;
        Files.delete(archives.get(1));

        Run run = verify(all(log));

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).contains(archives.get(2) + ": line 1: record " + found
                + " where record " + expected + " belongs (records removed or reordered)");
    }

    @Test
    void aRestartAfterTheRenameBeforeTheNextRecord_continuesTheArchive() throws Exception {
        Path log = dir.resolve("audit.log");
        writeWithoutRotation(log, 5);
        // As if the daemon died after renaming a full file, before creating the new one.
        Path archive = AuditLog.archiveOf(log, 5);
        Files.move(log, archive);

        try (AuditLog audit = AuditLog.open(log, CLOCK, ROTATE_BYTES, took -> { })) {
            assertThat(audit.head()).startsWith("5:");
            // A file removed with its records while the daemon was stopped looks the same:
            // said at WARNING once it serves (found by an auditor trial).
            assertThat(audit.newChain()).get().asString().contains(log + " did not exist:"
                    + " its chain goes on from " + archive + " at record 6");
            assertThat(audit.append(entry(6), false).seq()).isEqualTo(6);
        }
        try (AuditLog audit = AuditLog.open(log, CLOCK, ROTATE_BYTES, took -> { })) {
            assertThat(audit.newChain()).as("a file that exists goes on quietly").isEmpty();
        }

        assertIntact(log, "intact, 6 records");
    }

    @Test
    void withoutARotationSize_theFileGrows() throws Exception {
        Path log = dir.resolve("audit.log");
        writeWithoutRotation(log, 12);

        assertThat(archives(log)).isEmpty();
        assertThat(Files.readAllLines(log)).hasSize(12);
    }

    private static void write(Path log, int from, int to) throws Exception {
        try (AuditLog audit = AuditLog.open(log, CLOCK, ROTATE_BYTES, took -> { })) {
            for (int i = from; i <= to; i++) {
                assertThat(audit.append(entry(i), i == to).seq()).isEqualTo(i);
                assertThat(audit.healthy()).isTrue();
            }
        }
    }

    /** Records 1 to {@code to}, in a log opened without a rotation size. */
    private static void writeWithoutRotation(Path log, int to) throws Exception {
        try (AuditLog audit = AuditLog.open(log, CLOCK)) {
            for (int i = 1; i <= to; i++) {
                audit.append(entry(i), false);
            }
        }
    }

    /**
     * {@code smimectl audit verify} over the archives and the log passes and says {@code summary}.
     */
    private static void assertIntact(Path log, String summary) throws Exception {
        Run run = verify(all(log));
        assertThat(run.exit()).isZero();
        assertThat(run.out()).contains(summary);
    }

    private static List<Path> archives(Path log) throws Exception {
        try (Stream<Path> files = Files.list(log.getParent())) {
            return files.filter(p -> p.getFileName().toString().matches("audit\\.log\\.\\d{12}"))
                    .sorted().toList();
        }
    }

    private static List<String> all(Path log) throws Exception {
        List<String> files = new ArrayList<>();
        archives(log).forEach(p -> files.add(p.toString()));
        files.add(log.toString());
        return files;
    }

    private static String lastLine(Path file) throws Exception {
        List<String> lines = Files.readAllLines(file);
        return lines.get(lines.size() - 1);
    }

    private static long seqOf(String line) {
        return Long.parseLong(line.replaceAll("^\\{\"seq\":(\\d+),.*", "$1"));
    }

    private static AuditEntry entry(int i) {
        return new AuditEntry("req-" + i, "CN=svc,O=t", AuditEvent.SIGN,
                "smimed.v1.SigningService/Sign", "a@b.example", "a@b.example/v1",
                AuditRecord.sha256("req-" + i), AuditOutcome.OK, "OK");
    }

    record Run(int exit, String out, String err) {}

    private static Run verify(List<String> filesAndOptions) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        StringWriter err = new StringWriter();
        List<String> args = new ArrayList<>(List.of("audit", "verify"));
        args.addAll(filesAndOptions);
        int code = new SmimectlCli(new CliIo(new ByteArrayInputStream(new byte[0]), out,
                new PrintWriter(err, true), Map.of(), CLOCK)).run(args.toArray(String[]::new));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString());
    }
}
