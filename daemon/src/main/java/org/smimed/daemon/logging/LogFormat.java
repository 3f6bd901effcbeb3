package org.smimed.daemon.logging;

import java.util.Optional;
import java.util.function.Supplier;
import java.util.logging.ConsoleHandler;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.Logger;

/** How the daemon writes its log lines: plain text, or one JSON object per line. */
public enum LogFormat {
    TEXT,
    JSON;

    /**
     * Makes every handler of the root logger use this format.
     *
     * @param requestId the request id of the call the logging thread is handling, if any:
     *                  given by the gRPC layer, which logging knows nothing of
     */
    public void install(Supplier<Optional<String>> requestId) {
        Logger root = Logger.getLogger("");
        Handler[] handlers = root.getHandlers();
        if (handlers.length == 0) {
            // A logging.properties without "handlers" (just "org.smimed.level = FINE"): the
            // handler added here passes every level, so the loggers' levels decide, as the
            // file's author meant (a ConsoleHandler's own default, INFO, swallowed FINE).
            ConsoleHandler console = new ConsoleHandler();
            console.setLevel(Level.ALL);
            root.addHandler(console);
            handlers = root.getHandlers();
        }
        for (Handler handler : handlers) {
            handler.setFormatter(this == TEXT ? new TextLogFormatter(requestId)
                    : new JsonLogFormatter(requestId));
        }
    }
}
