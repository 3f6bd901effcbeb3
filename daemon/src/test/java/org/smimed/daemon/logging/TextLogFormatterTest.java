package org.smimed.daemon.logging;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;

class TextLogFormatterTest {
    @Test
    void format_isOneLineInUtc_withTheRequestId() {
        LogRecord record = new LogRecord(Level.WARNING, "token {0} is logged out");
        record.setParameters(new Object[] {"'t'"});
        record.setLoggerName("org.smimed.daemon.health.HealthMonitor");
        record.setInstant(Instant.parse("2026-11-30T13:01:29.123Z"));

        String line = new TextLogFormatter(() -> Optional.of("req-42")).format(record);

        assertThat(line).isEqualTo("2026-11-30T13:01:29.123Z WARNING HealthMonitor [req-42]:"
                + " token 't' is logged out\n");
    }

    /** Messages repeat what callers sent: a caller's line break must not forge a record. */
    @Test
    void format_escapesControlAndFormatCharacters_soOneRecordStaysOneLine() {
        LogRecord record = new LogRecord(Level.INFO, "denied {0}");
        record.setParameters(new Object[] {"x@d\n2026-11-30T13:01:30.000Z SEVERE Forged:\u001b"
                + " \u200b\u2028"});
        record.setLoggerName("org.smimed.daemon.policy.AccessControl");
        record.setInstant(Instant.parse("2026-11-30T13:01:29.123Z"));

        String line = new TextLogFormatter(Optional::empty).format(record);

        assertThat(line).isEqualTo("2026-11-30T13:01:29.123Z INFO AccessControl: denied"
                + " x@d\\u000a2026-11-30T13:01:30.000Z SEVERE Forged:\\u001b \\u200b\\u2028\n");
        assertThat(Printable.escape("plain \u00e9\u8acb")).isEqualTo("plain \u00e9\u8acb");
    }

    @Test
    void format_outsideACall_hasNoRequestId_andTheTraceFollows() {
        LogRecord record = new LogRecord(Level.SEVERE, "failed");
        record.setLoggerName("org.smimed.daemon.Daemon");
        record.setInstant(Instant.parse("2026-11-30T13:01:29Z"));
        record.setThrown(new IllegalStateException("boom"));

        String text = new TextLogFormatter(Optional::empty).format(record);

        assertThat(text).as("whole seconds keep their milliseconds")
                .startsWith("2026-11-30T13:01:29.000Z SEVERE Daemon: failed\n"
                + "java.lang.IllegalStateException: boom\n");
    }

    /** An exception message repeating a caller's line breaks cannot start a record's line. */
    @Test
    void format_traceWithALineBreakInItsMessage_keepsEveryTraceLineIndented() {
        LogRecord record = new LogRecord(Level.SEVERE, "failed");
        record.setLoggerName("org.smimed.daemon.Daemon");
        record.setInstant(Instant.parse("2026-11-30T13:01:29Z"));
        record.setThrown(new IllegalStateException("bad input\n2026-11-30T13:01:30.000Z INFO"
                + " Daemon: all well", new IllegalArgumentException("inner\nforged")));

        String text = new TextLogFormatter(Optional::empty).format(record);

        assertThat(text.lines().skip(1)).allSatisfy(l -> assertThat(l)
                .matches("(java\\.lang\\.IllegalStateException: .*|Caused by: .*|\\t.*)"));
        assertThat(text).contains("\n\t| 2026-11-30T13:01:30.000Z INFO Daemon: all well\n")
                .contains("\n\t| forged\n");
    }

    /** A fuzz trial: each oversized request or dead client added gRPC's 40-line trace. */
    @Test
    void format_libraryWarningAboutAClient_keepsOneLine_theDaemonsOwnKeepTheirTrace() {
        LogRecord grpc = new LogRecord(Level.WARNING, "Exception processing message");
        grpc.setLoggerName("io.grpc.netty.shaded.io.grpc.netty.NettyServerStream");
        grpc.setInstant(Instant.parse("2026-11-30T13:01:29Z"));
        grpc.setThrown(new IllegalStateException("too large",
                new java.io.IOException("reset\nby peer")));
        LogRecord own = new LogRecord(Level.WARNING, "failed");
        own.setLoggerName("org.smimed.daemon.Daemon");
        own.setInstant(Instant.parse("2026-11-30T13:01:29Z"));
        own.setThrown(new IllegalStateException("boom"));

        TextLogFormatter formatter = new TextLogFormatter(Optional::empty);

        assertThat(formatter.format(grpc)).isEqualTo("2026-11-30T13:01:29.000Z WARNING"
                + " NettyServerStream: Exception processing message"
                + " (java.lang.IllegalStateException: too large; caused by"
                + " java.io.IOException: reset\\u000aby peer)\n");
        assertThat(formatter.format(own)).startsWith("2026-11-30T13:01:29.000Z WARNING Daemon:"
                + " failed\njava.lang.IllegalStateException: boom\n\tat ");
    }
}
