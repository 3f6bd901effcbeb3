package org.smimed.daemon.logging;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.logging.Formatter;
import java.util.logging.Level;
import java.util.logging.LogRecord;

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

    /** @param requestId the id of the call being handled on the logging thread, if any */
    public TextLogFormatter(Supplier<Optional<String>> requestId) {
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
        line.append(": ").append(Printable.escape(formatMessage(record)));
        Throwable thrown = record.getThrown();
        if (thrown != null && isLibraryWarning(record)) {
            line.append(" (").append(Printable.escape(summary(thrown))).append(")\n");
        } else if (thrown != null) {
            StringWriter trace = new StringWriter();
            thrown.printStackTrace(new PrintWriter(trace));
            line.append('\n').append(indented(trace.toString()));
        } else {
            line.append('\n');
        }
        return line.toString();
    }

    /**
     * A stack trace whose every line begins with a blank, or is a "Caused by:" or "Suppressed:"
     * line: an exception message that repeats a caller's input with line breaks in it could
     * otherwise start a line that reads as a record of its own (found by a review).
     */
    static String indented(String trace) {
        StringBuilder out = new StringBuilder(trace.length() + 16);
        for (String l : trace.split("\n", -1)) {
            if (out.length() > 0) {
                out.append('\n');
            }
            boolean ours = l.isEmpty() || l.startsWith("\t") || l.startsWith(" ")
                    || l.startsWith("Caused by: ") || out.length() == 0;
            out.append(ours ? "" : "\t| ").append(l);
        }
        return out.toString();
    }

    /**
     * gRPC and Netty warn, with a stack trace of their own code, about what clients do: a
     * request over the size limit, a stream reset by a client that died. Any client could fill
     * the log with them (a fuzz trial: 40 lines each), and the trace says nothing an operator
     * can act on, so such records keep one line; the daemon's own records and SEVERE keep
     * their traces (the JSON format keeps every trace in its field).
     */
    private static boolean isLibraryWarning(LogRecord record) {
        String logger = record.getLoggerName();
        return logger != null && !logger.startsWith("org.smimed.")
                && record.getLevel().intValue() < Level.SEVERE.intValue();
    }

    /** "Type: message", then each cause's, joined by "; caused by ". */
    private static String summary(Throwable thrown) {
        StringBuilder text = new StringBuilder();
        Throwable t = thrown;
        for (int depth = 0; t != null && depth < 4; depth++, t = t.getCause()) {
            text.append(depth == 0 ? "" : "; caused by ").append(t.getClass().getName());
            if (t.getMessage() != null) {
                text.append(": ").append(t.getMessage());
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return text.toString();
    }

    private static String simpleName(String logger) {
        return logger == null ? "-" : logger.substring(logger.lastIndexOf('.') + 1);
    }
}
