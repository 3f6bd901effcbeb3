package org.smimed.daemon.cli;

import java.io.PrintWriter;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.smimed.daemon.logging.JsonLogFormatter;
import org.smimed.daemon.logging.LogFormat;

/**
 * The lines {@code smimed serve} itself writes to standard error — "smimed: serving …",
 * "smimed: stopped" and the one line naming why it could not start — in the log's format: with
 * {@code --log-format json} they are JSON objects like every log line, so a pipeline that
 * parses the log also gets the line an operator needs most (an outside trial found them plain
 * text in a JSON stream).
 */
final class StatusLines {
    private final PrintWriter err;
    private final LogFormat format;

    StatusLines(PrintWriter err, LogFormat format) {
        this.err = err;
        this.format = format;
    }

    void info(String line) {
        say(Level.INFO, line);
    }

    void warn(String line) {
        say(Level.WARNING, line);
    }

    void error(String line) {
        say(Level.SEVERE, line);
    }

    private void say(Level level, String line) {
        if (format == LogFormat.TEXT) {
            err.println(line);
            return;
        }
        LogRecord record = new LogRecord(level, line);
        record.setLoggerName("smimed");
        // Said outside any call: no request id.
        err.print(new JsonLogFormatter(java.util.Optional::empty).format(record));
        err.flush();
    }
}
