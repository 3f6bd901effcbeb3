package org.smimed.daemon.logging;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

class LogFormatTest {
    /**
     * A logging.properties that sets only {@code org.smimed.level = FINE} leaves the root
     * logger without handlers: the one the daemon adds must not drop FINE itself (it did, at
     * ConsoleHandler's default INFO: found by a README trial).
     */
    @Test
    void install_withoutHandlers_addsAConsoleHandlerPassingEveryLevel() {
        Logger root = Logger.getLogger("");
        Handler[] saved = root.getHandlers();
        for (Handler h : saved) {
            root.removeHandler(h);
        }
        try {
            LogFormat.TEXT.install(java.util.Optional::empty);

            assertThat(root.getHandlers()).hasSize(1);
            assertThat(root.getHandlers()[0].getLevel()).isEqualTo(Level.ALL);
            assertThat(root.getHandlers()[0].getFormatter()).isInstanceOf(TextLogFormatter.class);
        } finally {
            for (Handler h : root.getHandlers()) {
                root.removeHandler(h);
            }
            for (Handler h : saved) {
                root.addHandler(h);
            }
        }
    }
}
