package org.smimed.daemon.logging;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.logging.Formatter;
import java.util.logging.LogRecord;
import org.smimed.daemon.grpc.RequestIds;

/**
 * One line per record: the time in UTC to the millisecond (ISO 8601, as the audit log's), the
 * level, the logger's class, the gRPC request id when the line was written while handling a
 * call, and the message; a stack trace follows on its own lines. The JDK's default layout
 * split each record over two lines in the host's local time and a 12-hour clock to the
 * second, which an operator could not line up with audit records (found by an outside trial).
 */
public final class TextLogFormatter extends Formatter {
    /** Always three fraction digits, so the lines' columns and sort order hold. */
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern(
            "uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);
    private final Supplier<Optional<String>> requestId;

    public TextLogFormatter() {
        this(RequestIds::ofCurrentCall);
    }

    TextLogFormatter(Supplier<Optional<String>> requestId) {
        this.requestId = requestId;
    }

    @Override
    public String format(LogRecord record) {
        StringBuilder line = new StringBuilder(160)
                .append(TIME.format(Instant.ofEpochMilli(record.getMillis()))).append(' ')
                .append(record.getLevel().getName()).append(' ')
                .append(simpleName(record.getLoggerName()));
        requestId.get().ifPresent(id -> line.append(" [").append(id).append(']'));
        // Messages repeat what callers sent; escaped, no caller can forge a second line.
        line.append(": ").append(Printable.escape(formatMessage(record))).append('\n');
        if (record.getThrown() != null) {
            StringWriter trace = new StringWriter();
            record.getThrown().printStackTrace(new PrintWriter(trace));
            line.append(trace);
        }
        return line.toString();
    }

    private static String simpleName(String logger) {
        return logger == null ? "-" : logger.substring(logger.lastIndexOf('.') + 1);
    }
}
