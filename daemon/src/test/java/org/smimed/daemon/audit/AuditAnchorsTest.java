package org.smimed.daemon.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The running daemon's anchors: the head, logged when it moved since the last one. */
class AuditAnchorsTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-01-02T03:04:05Z"),
            ZoneOffset.UTC);

    @TempDir
    Path dir;

    @Test
    void tick_logsTheHeadOnlyWhenRecordsWereWritten() throws Exception {
        List<String> logged = new CopyOnWriteArrayList<>();
        try (AuditLog audit = AuditLog.open(dir.resolve("audit.log"), CLOCK);
             AuditAnchors anchors = AuditAnchors.every(Duration.ZERO, audit, logged::add)) {
            anchors.tick();
            assertThat(logged).as("nothing written since start").isEmpty();

            audit.append(entry(1), false);
            audit.append(entry(2), false);
            anchors.tick();
            anchors.tick();

            assertThat(logged).containsExactly("audit log head: " + audit.head()
                    + " (an anchor: keep it off this host; smimectl audit verify --anchor)");
            assertThat(audit.head()).startsWith("2:");
        }
    }

    @Test
    void every_period_logsOnItsOwn() throws Exception {
        List<String> logged = new CopyOnWriteArrayList<>();
        try (AuditLog audit = AuditLog.open(dir.resolve("audit.log"), CLOCK);
             AuditAnchors anchors = AuditAnchors.every(Duration.ofMillis(50), audit,
                     logged::add)) {
            audit.append(entry(1), false);
            for (int i = 0; i < 600 && logged.isEmpty(); i++) {
                Thread.sleep(50);
            }
            assertThat(logged).singleElement().asString().startsWith("audit log head: 1:");
        }
    }

    private static AuditEntry entry(int i) {
        return new AuditEntry("req-" + i, "CN=svc,O=t", AuditEvent.SIGN,
                "smimed.v1.SigningService/Sign", "a@b.example", "a@b.example/v1",
                AuditRecord.sha256("req-" + i), AuditOutcome.OK, "OK");
    }
}
