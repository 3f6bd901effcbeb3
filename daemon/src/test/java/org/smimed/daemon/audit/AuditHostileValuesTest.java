package org.smimed.daemon.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Values a caller controls (a refused certificate's subject, the identity it names) cannot
 * split a record for line-based readers, disguise it on screen, flood the disk, or stop the
 * daemon from reopening its own log — an outside security review restarted the daemon into
 * exit 5 with one handshake whose subject held U+2028.
 */
class AuditHostileValuesTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-01-02T03:04:05Z"),
            ZoneOffset.UTC);

    @TempDir
    Path dir;

    @Test
    void lineSeparatorsAndDisplayControls_areEscaped_andTheLogReopens() throws Exception {
        Path log = dir.resolve("audit.log");
        String subject = "unverified: CN=a\u2028b\u0085c\u202Ed\u007fe\u200ff\uFEFFg\u2029h"
                + "\u200Bi\u2060j\u3164k\u00A0l";
        try (AuditLog audit = AuditLog.open(log, CLOCK)) {
            audit.append(entry(subject), true);
        }

        String line = Files.readString(log, StandardCharsets.UTF_8);
        assertThat(line).endsWith("\n").hasLineCount(1)
                .contains("CN=a\\u2028b\\u0085c\\u202ed\\u007fe\\u200ff\\ufeffg\\u2029h"
                        + "\\u200bi\\u2060j\\u3164k\\u00a0l");
        assertThat(line.lines().toList()).hasSize(1);
        assertThat(line.chars().filter(AuditHostileValuesTest::unusual)).isEmpty();
        try (AuditLog audit = AuditLog.open(log, CLOCK)) {
            assertThat(audit.append(entry("CN=next"), false).seq()).isEqualTo(2);
        }
        assertThat(AuditTamperTest.verify(log).out()).contains("intact, 2 records");
    }

    @Test
    void aLogWhoseLastRecordHoldsARawLineSeparator_reopens() throws Exception {
        // Written before values were escaped: valid, hash-chained, U+2028 as is.
        Path log = dir.resolve("audit.log");
        AuditRecord record = AuditRecord.next(1, CLOCK.instant(), entry("CN=a\u2028b"),
                AuditRecord.GENESIS);
        Files.writeString(log, rehashed(record.line().replace("\\u2028", "\u2028")) + "\n",
                StandardCharsets.UTF_8);

        assertReopensAfter(log, 1);
    }

    @Test
    void aLogWhoseLastRecordIsLongerThanTheTailWindow_reopens() throws Exception {
        Path log = dir.resolve("audit.log");
        try (AuditLog audit = AuditLog.open(log, CLOCK)) {
            audit.append(entry("CN=first"), false);
        }
        String first = Files.readAllLines(log).get(0);
        String firstHash = first.replaceAll(".*\"hash\":\"(\\w{64})\".*", "$1");
        AuditRecord second = AuditRecord.next(2, CLOCK.instant(), entry("CN=placeholder"),
                firstHash);
        String huge = "CN=" + "x".repeat(200_000);
        Files.writeString(log, rehashed(second.line().replace("CN=placeholder", huge)) + "\n",
                StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.APPEND);

        assertReopensAfter(log, 2);
    }

    @Test
    void aHugeValue_isRecordedByItsStartLengthAndHash() throws Exception {
        Path log = dir.resolve("audit.log");
        String subject = "unverified: " + "OU=padding,".repeat(8000) + "CN=x";
        try (AuditLog audit = AuditLog.open(log, CLOCK)) {
            audit.append(entry(subject), false);
        }

        String line = Files.readString(log);
        assertThat(line.length()).isLessThan(2048);
        assertThat(line).contains("\"caller\":\"" + subject.substring(0, 256) + "... ("
                + subject.length() + " characters, SHA-256 " + AuditRecord.sha256(subject) + ")\"");
        assertThat(AuditTamperTest.verify(log).exit()).isZero();
    }

    /** The log reopens with record {@code head} last, goes on after it and verifies intact. */
    private static void assertReopensAfter(Path log, int head) throws Exception {
        try (AuditLog audit = AuditLog.open(log, CLOCK)) {
            assertThat(audit.head()).startsWith(head + ":");
            assertThat(audit.append(entry("CN=next"), false).seq()).isEqualTo(head + 1);
        }
        assertThat(AuditTamperTest.verify(log).out())
                .contains("intact, " + (head + 1) + " records");
    }

    private static boolean unusual(int c) {
        return c == 0x85 || c == 0x2028 || c == 0x2029 || c == 0x202e || c == 0x7f
                || c == 0x200f || c == 0xfeff || c == 0x200b || c == 0x2060 || c == 0x3164
                || c == 0xa0;
    }

    /** {@code line} with its hash member recomputed over its (edited) body. */
    private static String rehashed(String line) {
        String body = line.substring(0, line.lastIndexOf(",\"hash\":\"")) + "}";
        return body.substring(0, body.length() - 1) + ",\"hash\":\"" + AuditRecord.sha256(body)
                + "\"}";
    }

    private static AuditEntry entry(String caller) {
        return new AuditEntry("req-1", caller, AuditEvent.OTHER, "smimed.v1.SigningService/Sign",
                "", "", AuditRecord.sha256(""), AuditOutcome.DENIED,
                "UNAUTHENTICATED");
    }
}
