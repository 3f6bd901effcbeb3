package org.smimed.daemon.logging;

import java.util.logging.ConsoleHandler;
import java.util.logging.Handler;
import java.util.logging.Logger;

/** How the daemon writes its log lines: plain text, or one JSON object per line. */
public enum LogFormat {
    TEXT,
    JSON;

    /** Makes every handler of the root logger use this format. */
    public void install() {
        Logger root = Logger.getLogger("");
        Handler[] handlers = root.getHandlers();
        if (handlers.length == 0) {
            root.addHandler(new ConsoleHandler());
            handlers = root.getHandlers();
        }
        for (Handler handler : handlers) {
            handler.setFormatter(this == TEXT ? new TextLogFormatter() : new JsonLogFormatter());
        }
    }
}
