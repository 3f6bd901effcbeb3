package org.smimed.daemon.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.smimed.daemon.testing.Smimectl;
import org.smimed.daemon.testing.Smimectl.Run;

/**
 * The daemon's audit writer and {@code smimectl audit verify} together: an untouched log
 * verifies; an edited field, a deleted record, two swapped records and a truncated file are
 * each named at the first bad line, with exit code 1.
 */
class AuditTamperTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-01-02T03:04:05Z"),
            ZoneOffset.UTC);

    @TempDir
    Path dir;
    private Path log;

    @BeforeEach
    void writeFiveRecords() throws Exception {
        log = dir.resolve("audit.log");
        try (AuditLog audit = AuditLog.open(log, CLOCK)) {
            for (int i = 1; i <= 5; i++) {
                audit.append(entry("req-" + i, i % 2 == 0 ? "OK" : "PERMISSION_DENIED"), i == 5);
            }
        }
    }

    @Test
    void untouchedLog_verifies() {
        Run run = verify(log);

        assertThat(run.exit()).isZero();
        assertThat(run.out()).startsWith(log + ": intact, 5 records, head 5:");
        assertThat(run.err()).isEmpty();
    }

    @Test
    void recordsHaveTheDocumentedCanonicalForm() throws Exception {
        String first = Files.readAllLines(log).get(0);

        assertThat(first).matches("\\{\"seq\":1,\"time\":\"2026-01-02T03:04:05Z\","
                + "\"requestId\":\"req-1\",\"caller\":\"CN=svc\\\\\\\\x\\\\\"q,O=t\","
                + "\"event\":\"SIGN\",\"method\":\"smimed.v1.SigningService/Sign\","
                + "\"identity\":\"a@b.example\",\"keyVersion\":\"a@b.example/v1\","
                + "\"inputSha256\":\"[0-9a-f]{64}\",\"outcome\":\"DENIED\","
                + "\"status\":\"PERMISSION_DENIED\",\"prev\":\"0{64}\",\"hash\":\"[0-9a-f]{64}\"}");
    }

    @Test
    void anOfficerRecordsDetail_standsBeforePrev_verifies_andAnEditToItIsNamed()
            throws Exception {
        try (AuditLog audit = AuditLog.open(log, CLOCK)) {
            audit.append(new AuditEntry("req-6", "CN=officer", AuditEvent.KEY_ADMIN,
                    "smimed.v1.KeyAdminService/Destroy", "a@b.example", "a@b.example/v1",
                    "0".repeat(64), AuditOutcome.HELD, "OK",
                    "approval=5f0c fingerprint=3f9a confirmed=3f9a"), true);
        }
        String sixth = Files.readAllLines(log).get(5);
        assertThat(sixth).contains("\"status\":\"OK\",\"detail\":\"approval=5f0c"
                + " fingerprint=3f9a confirmed=3f9a\",\"prev\":\"");
        assertThat(verify(log).exit()).isZero();

        rewrite(lines -> lines.set(5, lines.get(5).replace("confirmed=3f9a", "confirmed=3f9b")));

        Run run = verify(log);
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).contains("line 6, record 6: edited");
    }

    @Test
    void editedField_isNamed() throws Exception {
        rewrite(lines -> lines.set(2, lines.get(2).replace("\"outcome\":\"DENIED\"",
                "\"outcome\":\"OK\"")));

        Run run = verify(log);

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).contains("line 3, record 3: edited");
    }

    @Test
    void deletedRecord_isNamed() throws Exception {
        rewrite(lines -> lines.remove(1));

        Run run = verify(log);

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).contains("line 2: record 3 where record 2 belongs"
                + " (records removed or reordered)");
    }

    /**
     * Found by an auditor trial: a record forged to follow record 2 and put before the real
     * record 3 was called intact, and the real one blamed.
     */
    @Test
    void aForgedRecordInsertedBeforeTheRealOne_leavesNeitherVouchedFor() throws Exception {
        Path other = dir.resolve("other.log");
        try (AuditLog audit = AuditLog.open(other, CLOCK)) {
            audit.append(entry("req-1", "PERMISSION_DENIED"), false);
            audit.append(entry("req-2", "OK"), false);
            audit.append(entry("forged", "OK"), false);
        }
        String forged = Files.readAllLines(other).get(2);
        rewrite(lines -> lines.add(2, forged));

        Run run = verify(log);

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).contains("line 4: record 3 again, after record 3 (records"
                + " inserted, or the log spliced): record 3 is in doubt; the 2 records before"
                + " it are intact (head 2:");
    }

    @Test
    void swappedRecords_areNamed() throws Exception {
        rewrite(lines -> lines.add(3, lines.remove(2)));

        Run run = verify(log);

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).contains("line 3: record 4 where record 3 belongs");
    }

    @Test
    void aRecordRewrittenWithItsOwnHash_isNamedWithItsSuccessor() throws Exception {
        rewrite(lines -> {
            String edited = lines.get(2).replace("\"status\":\"PERMISSION_DENIED\"",
                    "\"status\":\"OK\"");
            String body = edited.substring(0, edited.lastIndexOf(",\"hash\":\"")) + "}";
            lines.set(2, body.substring(0, body.length() - 1) + ",\"hash\":\""
                    + AuditRecord.sha256(body) + "\"}");
        });

        Run run = verify(log);

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).contains("line 4, record 4: does not follow record 3 (record 3"
                + " or 4 was replaced or rewritten); the 2 records before it are intact (head 2:");
    }

    @Test
    void truncatedInsideARecord_isNamed() throws Exception {
        byte[] bytes = Files.readAllBytes(log);
        Files.write(log, java.util.Arrays.copyOf(bytes, bytes.length - 30));

        Run run = verify(log);

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).contains("line 5: truncated");
    }

    /**
     * Found by an officer trial: the same file given twice, without an anchor, was said to
     * leave nothing "up to the anchor" trusted; and an --after that the first record does not
     * follow called "the 0 records before it" intact at the head the user typed.
     */
    @Test
    void findingsWithoutAnAnchor_orAtTheFirstRecordRead_sayWhatIsKnown() throws Exception {
        Run twice = Smimectl.offline(CLOCK).run("audit", "verify", log.toString(),
                log.toString());
        Path tail = dir.resolve("tail.log");
        List<String> lines = Files.readAllLines(log);
        Files.write(tail, lines.subList(2, lines.size()));
        Run wrongAfter = verify(tail, "--after", "2:" + "b".repeat(64));

        assertThat(twice.exit()).isEqualTo(1);
        assertThat(twice.err()).contains("no record before it can be trusted")
                .doesNotContain("anchor");
        assertThat(wrongAfter.exit()).isEqualTo(1);
        assertThat(wrongAfter.err()).contains("; it is the first record read")
                .doesNotContain("records before it are intact").doesNotContain("bbbb");
    }

    @Test
    void recordsCutFromTheEnd_areCaughtByTheAnchor() throws Exception {
        String head = verify(log).out().replaceAll("(?s).*head (\\S+)\\s*", "$1");
        rewrite(lines -> lines.remove(4));

        assertThat(verify(log).exit()).isZero();
        Run anchored = verify(log, "--anchor", head);
        assertThat(anchored.exit()).isEqualTo(1);
        assertThat(anchored.err()).contains("the log ends at record 4, before the anchor " + head,
                "no record up to the anchor can be trusted").doesNotContain("intact");
    }

    /**
     * Records 3 to 5 rewritten and re-hashed into a consistent chain: only the anchor shows
     * it, and nothing up to the anchor is called intact (an outside trial was told "the 50
     * records before it are intact" of forged records).
     */
    @Test
    void aTailRewrittenAndReHashed_missesTheAnchor_andNothingBeforeItIsVouchedFor()
            throws Exception {
        String head = verify(log).out().replaceAll("(?s).*head (\\S+)\\s*", "$1");
        rewrite(lines -> {
            String prev = lines.get(1).replaceAll(".*\"hash\":\"([0-9a-f]{64})\"}$", "$1");
            for (int i = 2; i < lines.size(); i++) {
                String line = lines.get(i).replace("\"status\":\"PERMISSION_DENIED\"",
                        "\"status\":\"OK\"").replaceAll("\"prev\":\"[0-9a-f]{64}\"",
                        "\"prev\":\"" + prev + "\"");
                String body = line.substring(0, line.lastIndexOf(",\"hash\":\"")) + "}";
                prev = AuditRecord.sha256(body);
                lines.set(i, body.substring(0, body.length() - 1) + ",\"hash\":\"" + prev
                        + "\"}");
            }
        });
        assertThat(verify(log).exit()).as("consistent with itself").isZero();

        Run anchored = verify(log, "--anchor", head);

        assertThat(anchored.exit()).isEqualTo(1);
        assertThat(anchored.err()).contains("line 5, record 5: not the record of the anchor "
                + head, "rewritten at or before record 5",
                "no record up to the anchor can be trusted").doesNotContain("intact");
    }

    @Test
    void reopening_continuesTheChain() throws Exception {
        try (AuditLog audit = AuditLog.open(log, CLOCK)) {
            assertThat(audit.head()).startsWith("5:");
            assertThat(audit.append(entry("req-6", "OK"), false).seq()).isEqualTo(6);
        }

        assertThat(verify(log).out()).contains("intact, 6 records");
    }

    @Test
    void reopeningADamagedLog_isRefused() throws Exception {
        Files.writeString(log, "{\"seq\":6,\"truncat", java.nio.file.StandardOpenOption.APPEND);

        assertThatThrownBy(() -> AuditLog.open(log, CLOCK)).isInstanceOf(AuditException.class)
                .hasMessageContaining("ends with a damaged record");
    }

    /** docs/audit.md, fail closed: after one failed write, nothing more is written. */
    @Test
    void aFailedWrite_failsClosedForEveryLaterCall() throws Exception {
        Path full = Files.createSymbolicLink(dir.resolve("full.log"), Path.of("/dev/full"));
        try (AuditLog audit = AuditLog.open(full, CLOCK)) {
            assertThat(audit.healthy()).isTrue();

            assertThatThrownBy(() -> audit.append(entry("req-1", "OK"), false))
                    .isInstanceOf(AuditException.class).hasMessageContaining("cannot write");
            assertThat(audit.healthy()).isFalse();
            assertThatThrownBy(() -> audit.append(entry("req-2", "OK"), false))
                    .isInstanceOf(AuditException.class).hasMessageContaining("failed earlier");
        }
    }

    private static AuditEntry entry(String requestId, String status) {
        return new AuditEntry(requestId, "CN=svc\\x\"q,O=t", AuditEvent.SIGN,
                "smimed.v1.SigningService/Sign", "a@b.example", "a@b.example/v1",
                AuditRecord.sha256(requestId),
                status.equals("OK") ? AuditOutcome.OK : AuditOutcome.DENIED, status);
    }

    private void rewrite(java.util.function.Consumer<List<String>> edit) throws Exception {
        List<String> lines = new ArrayList<>(Files.readAllLines(log));
        edit.accept(lines);
        Files.write(log, (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8));
    }

    static Run verify(Path file, String... options) {
        List<String> args = new ArrayList<>(List.of("audit", "verify", file.toString()));
        args.addAll(List.of(options));
        return Smimectl.offline(CLOCK).run(args.toArray(String[]::new));
    }
}
