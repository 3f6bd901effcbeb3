package org.smimed.daemon.logging;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.ResourceBundle;
import org.junit.jupiter.api.Test;
import org.smimed.daemon.testing.MutableClock;

class ThrottledWarningTest {
    private final List<String> lines = new ArrayList<>();
    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-03T12:00:00Z"));
    private final ThrottledWarning warning = new ThrottledWarning(new Recorder(), clock);

    @Test
    void aStormOfOneWarning_logsOneLineASecond_thenSaysHowManyWereNot() {
        for (int i = 1; i <= 500; i++) {
            warning.warn("request r" + i + ": token unavailable");
        }
        clock.advance(Duration.ofMillis(999));
        warning.warn("request r501: token unavailable");
        clock.advance(Duration.ofMillis(1));
        warning.warn("request r502: token unavailable");
        clock.advance(Duration.ofMinutes(5));
        warning.warn("request r503: token unavailable");

        assertThat(lines).containsExactly("WARNING request r1: token unavailable",
                "WARNING request r502: token unavailable (500 more like it since the last such"
                        + " line, not logged)",
                "WARNING request r503: token unavailable");
    }

    /** Captures what would be logged, level first. */
    private final class Recorder implements System.Logger {
        @Override
        public String getName() {
            return "test";
        }

        @Override
        public boolean isLoggable(Level level) {
            return true;
        }

        @Override
        public void log(Level level, ResourceBundle bundle, String message, Throwable thrown) {
            lines.add(level + " " + message);
        }

        @Override
        public void log(Level level, ResourceBundle bundle, String format, Object... params) {
            lines.add(level + " " + format);
        }
    }
}
