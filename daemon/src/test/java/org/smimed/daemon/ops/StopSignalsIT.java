package org.smimed.daemon.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.smimed.daemon.testing.DaemonProcess;
import org.smimed.daemon.testing.TestDeployment;

/**
 * Stop signals to a real {@code smimed serve}: SIGTERM and SIGINT arriving together, as
 * {@code timeout} and some supervisors send them, stop it once, cleanly, with exit 0. An
 * outside trial saw an IllegalThreadStateException from the second handler.
 */
class StopSignalsIT {
    @TempDir
    static Path dir;

    @Test
    void termAndIntTogether_stopTheDaemonOnce() throws Exception {
        Path config = TestDeployment.provisionedConfig(dir, "stop");
        try (DaemonProcess daemon = DaemonProcess.start(config,
                Path.of(System.getenv("SOFTHSM2_CONF")))) {
            assertThat(daemon.terminateTwice()).as(daemon.log()).isZero();
            assertThat(daemon.log()).contains("smimed: stopped").doesNotContain("Exception");
            // Said once, the moment the first signal arrives (an operator trial saw nothing).
            assertThat(daemon.log().lines().filter(l -> l.contains(": stopping; calls under way"
                    + " have up to ")).count()).isOne();
        }
    }
}
